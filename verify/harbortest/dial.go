package harbortest

import (
	"bytes"
	"net"
	"time"
)

var netDialer = net.Dialer{Timeout: 5 * time.Second}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
