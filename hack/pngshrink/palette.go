package main

import (
	"image"
	"image/color"
	"sort"
)

// Paletted converts img to at most 256 colours: all of them when it has
// that few, else the 256 most frequent, each pixel taking the nearest. The
// most frequent colours of a terminal picture are its background and its
// text colours, so what is approximated is only the rarest blends at glyph
// edges.
func Paletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	count := map[color.NRGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			count[nrgba(img.At(x, y))]++
		}
	}
	cols := make([]color.NRGBA, 0, len(count))
	for c := range count {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool {
		if count[cols[i]] != count[cols[j]] {
			return count[cols[i]] > count[cols[j]]
		}
		return less(cols[i], cols[j]) // a stable order, so output is reproducible
	})
	if len(cols) > 256 {
		cols = cols[:256]
	}
	pal := make(color.Palette, len(cols))
	index := make(map[color.NRGBA]uint8, len(count))
	for i, c := range cols {
		pal[i] = c
		index[c] = uint8(i)
	}
	out := image.NewPaletted(b, pal)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := nrgba(img.At(x, y))
			i, ok := index[c]
			if !ok {
				i = nearest(cols, c)
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	return out
}

func nrgba(c color.Color) color.NRGBA { return color.NRGBAModel.Convert(c).(color.NRGBA) }

func less(a, b color.NRGBA) bool {
	if a.R != b.R {
		return a.R < b.R
	}
	if a.G != b.G {
		return a.G < b.G
	}
	if a.B != b.B {
		return a.B < b.B
	}
	return a.A < b.A
}

// nearest is the index of the palette colour closest to c.
func nearest(pal []color.NRGBA, c color.NRGBA) uint8 {
	best, bestD := 0, -1
	for i, p := range pal {
		d := sq(int(p.R)-int(c.R)) + sq(int(p.G)-int(c.G)) + sq(int(p.B)-int(c.B)) + sq(int(p.A)-int(c.A))
		if bestD < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return uint8(best)
}

func sq(v int) int { return v * v }
