package answers

import "strconv"

// Count says n of a regular noun with the right number ("1 drive",
// "4 drives"), so that messages about layouts read as sentences instead of
// "drive(s)".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
