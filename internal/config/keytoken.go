package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// TokenPrefix starts every token the gateway mints, so a leaked one is
// recognisable (secret scanners, logs) as a Switchyard key.
const TokenPrefix = "sk-sy-"

// MintToken returns a new bearer token (256 random bits) and the sha256
// hex a key record stores in its place. The token itself is stored
// nowhere: whoever mints it shows it once.
func MintToken() (token, sum string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("mint token: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	s := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(s[:]), nil
}
