package install

import (
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/harbor-installer/harbor-installer/render"
)

// setFileValues reads each FileValue's file, encodes it and sets it at its
// dotted path in tree (a release's values or an object as the API takes
// it), which the caller has already copied. It runs before the unchanged
// comparison, so a CA file whose content changed upgrades the release, and
// an unchanged one leaves it alone. what names the release or object in
// errors; the file's content never appears in one.
func setFileValues(tree map[string]any, fvs []render.FileValue, what string) error {
	for _, fv := range fvs {
		v, err := readFileValue(fv)
		if err != nil {
			return err
		}
		if err := setPath(tree, fv.Path, v); err != nil {
			return fmt.Errorf("%s: cannot set %s from %s: %w", what, fv.Path, fv.Answer, err)
		}
	}
	return nil
}

// readFileValue reads and encodes one FileValue's file.
func readFileValue(fv render.FileValue) (string, error) {
	b, err := os.ReadFile(fv.File)
	if err != nil {
		return "", fmt.Errorf("answer %s: %w (point %s at a readable PEM file)", fv.Answer, err, fv.Answer)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return "", fmt.Errorf("answer %s: %s is empty (point %s at a PEM certificate file)", fv.Answer, fv.File, fv.Answer)
	}
	switch fv.Encoding {
	case render.EncodingBase64:
		return base64.StdEncoding.EncodeToString(b), nil
	case "":
		return string(b), nil
	}
	return "", fmt.Errorf("answer %s: unknown encoding %q for %s", fv.Answer, fv.Encoding, fv.Path)
}

// setPath sets v at a dotted path: map keys by name, list items by number.
// Missing maps on the way are created (render normally leaves an empty
// string at the leaf already); a list index must exist.
func setPath(tree map[string]any, path string, v any) error {
	keys := strings.Split(path, ".")
	var cur any = tree
	for i, k := range keys {
		last := i == len(keys)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				node[k] = v
				return nil
			}
			next, ok := node[k]
			if !ok || next == nil {
				next = map[string]any{}
				node[k] = next
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(node) {
				return fmt.Errorf("%s is a list of %d items, and %q is not an index into it", strings.Join(keys[:i], "."), len(node), k)
			}
			if last {
				node[n] = v
				return nil
			}
			cur = node[n]
		default:
			return fmt.Errorf("%s is a %T, not a map or list", strings.Join(keys[:i], "."), cur)
		}
	}
	return fmt.Errorf("empty path")
}
