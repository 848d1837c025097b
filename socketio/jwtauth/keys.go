package jwtauth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Key families: an algorithm verifies with keys of its family only.
const (
	familyHMAC    = "HMAC"
	familyRSA     = "RSA"
	familyECDSA   = "ECDSA"
	familyEd25519 = "Ed25519"
)

// family returns the key family of an algorithm, "" for "none" and for
// the algorithms jwt does not know.
func family(alg string) string {
	switch jwt.GetSigningMethod(alg).(type) {
	case *jwt.SigningMethodHMAC:
		return familyHMAC
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		return familyRSA
	case *jwt.SigningMethodECDSA:
		return familyECDSA
	case *jwt.SigningMethodEd25519:
		return familyEd25519
	}
	return ""
}

// verificationKey checks Options.Key and returns the key to verify with.
func verificationKey(k any) (any, error) {
	switch k := k.(type) {
	case nil:
		return nil, errors.New("no Key nor Keyfunc")
	case []byte:
		if len(k) == 0 {
			return nil, errors.New("empty HMAC Key")
		}
		if bytes.Contains(k, []byte("-----BEGIN ")) {
			// A PEM public key used as an HMAC secret is public: anyone
			// could sign HS256 tokens with it.
			return nil, errors.New("the HMAC Key is a PEM block: parse it (jwt.ParseRSAPublicKeyFromPEM...) and pass the key")
		}
		return bytes.Clone(k), nil // the caller may reuse its slice
	case string:
		return nil, errors.New("Key is a string: pass []byte for an HMAC secret, or a parsed public key")
	case *rsa.PublicKey:
		return k, nil
	case *rsa.PrivateKey:
		return &k.PublicKey, nil
	case *ecdsa.PublicKey:
		if esAlgorithm(k) == "" {
			return nil, fmt.Errorf("ECDSA curve %s has no JWT algorithm", k.Curve.Params().Name)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		return verificationKey(&k.PublicKey)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 Key of %d bytes", len(k))
		}
		return k, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("Ed25519 private Key of %d bytes", len(k))
		}
		return k.Public(), nil
	}
	return nil, fmt.Errorf("unsupported Key type %T", k)
}

// keyFamily returns the family of a key verificationKey returned.
func keyFamily(key any) string {
	switch key.(type) {
	case []byte:
		return familyHMAC
	case *rsa.PublicKey:
		return familyRSA
	case *ecdsa.PublicKey:
		return familyECDSA
	case ed25519.PublicKey:
		return familyEd25519
	}
	return ""
}

// esAlgorithm is the one ES* algorithm of an ECDSA key's curve.
func esAlgorithm(k *ecdsa.PublicKey) string {
	switch k.Curve {
	case elliptic.P256():
		return "ES256"
	case elliptic.P384():
		return "ES384"
	case elliptic.P521():
		return "ES512"
	}
	return ""
}

func defaultAlgorithms(key any) []string {
	switch k := key.(type) {
	case []byte:
		return []string{"HS256", "HS384", "HS512"}
	case *rsa.PublicKey:
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case *ecdsa.PublicKey:
		return []string{esAlgorithm(k)}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

// suits reports whether alg can verify with key.
func suits(alg string, key any) error {
	f := family(alg)
	if f == "" {
		return fmt.Errorf("unknown or refused algorithm %q", alg)
	}
	if f != keyFamily(key) {
		return fmt.Errorf("algorithm %s needs a %s key, Key is %T", alg, f, key)
	}
	if k, ok := key.(*ecdsa.PublicKey); ok && esAlgorithm(k) != alg {
		return fmt.Errorf("algorithm %s does not match the key's curve %s", alg, k.Curve.Params().Name)
	}
	return nil
}
