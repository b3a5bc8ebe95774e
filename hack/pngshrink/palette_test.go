package main

import (
	"image"
	"image/color"
	"testing"
)

// A picture of few colours keeps every pixel exactly.
func TestPalettedExactWhenFewColours(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 20, 10)) // 200 colours
	for x := 0; x < 20; x++ {
		for y := 0; y < 10; y++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 6), uint8(y * 20), 30, 255})
		}
	}
	p := Paletted(img)
	for x := 0; x < 20; x++ {
		for y := 0; y < 10; y++ {
			if got, want := nrgba(p.At(x, y)), img.NRGBAAt(x, y); got != want {
				t.Fatalf("pixel %d,%d: got %v, want %v", x, y, got, want)
			}
		}
	}
}

// With more than 256 colours, the frequent ones stay exact and the rare
// ones take a near colour; transparency survives.
func TestPalettedApproximatesRareColours(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 600, 20))
	bg := color.NRGBA{30, 30, 30, 255}
	for x := 0; x < 600; x++ {
		for y := 0; y < 20; y++ {
			img.SetNRGBA(x, y, bg)
		}
		// 600 rare colours: blends near the background, as at glyph edges.
		img.SetNRGBA(x, 0, color.NRGBA{uint8(30 + x%25), uint8(30 + x/25), 30, 255})
	}
	img.SetNRGBA(0, 19, color.NRGBA{}) // a transparent corner
	for y := 1; y < 19; y++ {
		img.SetNRGBA(5, y, color.NRGBA{204, 204, 204, 255})
	}
	p := Paletted(img)
	if len(p.Palette) != 256 {
		t.Fatalf("palette has %d colours, want 256", len(p.Palette))
	}
	if got := nrgba(p.At(100, 10)); got != bg {
		t.Errorf("background: got %v, want %v", got, bg)
	}
	if got := nrgba(p.At(5, 10)); got != (color.NRGBA{204, 204, 204, 255}) {
		t.Errorf("text colour: got %v", got)
	}
	if got := nrgba(p.At(0, 19)); got.A != 0 {
		t.Errorf("transparent corner became %v", got)
	}
	for x := 0; x < 600; x++ {
		want, got := img.NRGBAAt(x, 0), nrgba(p.At(x, 0))
		if d := sq(int(want.R)-int(got.R)) + sq(int(want.G)-int(got.G)) + sq(int(want.B)-int(got.B)); d > 2*12*12 {
			t.Fatalf("pixel %d: %v became %v, too far", x, want, got)
		}
	}
}
