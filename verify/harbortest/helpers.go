package harbortest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"time"
)

var netDialer = net.Dialer{Timeout: 5 * time.Second}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func randToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
