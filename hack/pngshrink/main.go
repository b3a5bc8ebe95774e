// Command pngshrink rewrites a PNG in place as a paletted PNG, for
// hack/screenshots.sh: freeze writes 32-bit RGBA, about three times the
// bytes a screenshot of text needs. A picture of a terminal has a few
// colours plus their anti-aliased blends, so 256 colours keep it
// indistinguishable from the original.
//
//	pngshrink file.png...
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pngshrink file.png...")
		os.Exit(2)
	}
	for _, f := range os.Args[1:] {
		if err := shrinkFile(f); err != nil {
			fmt.Fprintf(os.Stderr, "pngshrink: %s: %v\n", f, err)
			os.Exit(1)
		}
	}
}

func shrinkFile(path string) error {
	in, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	img, err := png.Decode(bytes.NewReader(in))
	if err != nil {
		return err
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, Paletted(img)); err != nil {
		return err
	}
	if out.Len() >= len(in) {
		return nil // already small
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

var _ image.Image = (*image.Paletted)(nil)
