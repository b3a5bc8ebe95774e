package main

import "fmt"

// rgb is a 24-bit colour.
type rgb struct{ r, g, b uint8 }

func (c rgb) String() string { return fmt.Sprintf("%d;%d;%d", c.r, c.g, c.b) }

// The pictures use one common dark terminal palette (VS Code's), so the
// wizard's 16 ANSI colours look as they do on an admin's screen rather than
// in freeze's own theme.
var (
	defaultFG = rgb{0xcc, 0xcc, 0xcc}
	defaultBG = rgb{0x1e, 0x1e, 0x1e}
	// boldFG is bold text in the default colour: terminals draw it brighter.
	boldFG = rgb{0xf5, 0xf5, 0xf5}
	// faintFG is faint text in the default colour.
	faintFG = rgb{0x80, 0x80, 0x80}
)

var ansi16 = [16]rgb{
	{0x00, 0x00, 0x00}, {0xcd, 0x31, 0x31}, {0x0d, 0xbc, 0x79}, {0xe5, 0xe5, 0x10},
	{0x24, 0x72, 0xc8}, {0xbc, 0x3f, 0xbc}, {0x11, 0xa8, 0xcd}, {0xe5, 0xe5, 0xe5},
	{0x66, 0x66, 0x66}, {0xf1, 0x4c, 0x4c}, {0x23, 0xd1, 0x8b}, {0xf5, 0xf5, 0x43},
	{0x3b, 0x8e, 0xea}, {0xd6, 0x70, 0xd6}, {0x29, 0xb8, 0xdb}, {0xe5, 0xe5, 0xe5},
}

// indexed is colour n of the 256-colour palette: the 16 above, the 6x6x6
// cube, then the grey ramp, as xterm defines them.
func indexed(n int) rgb {
	switch {
	case n < 16:
		return ansi16[n]
	case n < 232:
		n -= 16
		level := func(v int) uint8 {
			if v == 0 {
				return 0
			}
			return uint8(55 + 40*v)
		}
		return rgb{level(n / 36), level(n / 6 % 6), level(n % 6)}
	default:
		v := uint8(8 + 10*(n-232))
		return rgb{v, v, v}
	}
}
