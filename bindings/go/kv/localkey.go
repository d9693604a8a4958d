package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"encoding/base64"
	"encoding/json"
	"runtime"
	"unsafe"
)

// LocalKey is a public key for local operations, without requests: verify, encrypt and wrap
// with RSA and EC public keys, and PEM/JWK export. It owns a native kv_key: Close it when done
// (a finalizer frees it otherwise). A LocalKey is safe for concurrent use.
//
// Local operations are refused like the vault would refuse them: ErrOperationNotPermitted when
// the key's operations exclude the operation, ErrKeyExpired / ErrKeyNotYetValid outside its
// validity time, ErrUnsupportedAlgorithm when the algorithm does not fit the key.
type LocalKey struct {
	h handle
}

// NewLocalKey builds a local key from JSON (kv_key_from_jwk): a JSON Web Key
// ({"kty":"RSA","n":...,"e":...} or {"kty":"EC","crv":...,"x":...,"y":...}, with optional kid
// and key_ops) or a key bundle as the vault returns it ({"key":{...},"attributes":{...}}, whose
// nbf and exp then limit local use). Private members are ignored.
func NewLocalKey(jwkJSON []byte) (*LocalKey, error) {
	var a cArgs
	defer a.free()
	// A JWK may carry private members that kv drops; treat the C copy as secret anyway.
	cjwk := a.secretBytes("jwkJSON", jwkJSON)
	if a.err != nil {
		return nil, a.err
	}
	var out *C.kv_key
	var e *C.kv_error
	st := C.kv_key_from_jwk(cjwk, &out, &e)
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	k := &LocalKey{}
	k.h.ptr = unsafe.Pointer(out)
	handleCreated()
	runtime.SetFinalizer(k, func(k *LocalKey) { k.free(true) })
	return k, nil
}

// LocalKey returns a local key for k's public key, its permitted operations and validity
// times (no request). k must carry key material: list items do not (get the key first).
func (k Key) LocalKey() (*LocalKey, error) {
	b64 := func(b []byte) string {
		if b == nil {
			return ""
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	type jwk struct {
		Kid    string   `json:"kid,omitempty"`
		Kty    string   `json:"kty,omitempty"`
		KeyOps []string `json:"key_ops,omitempty"`
		N      string   `json:"n,omitempty"`
		E      string   `json:"e,omitempty"`
		Crv    string   `json:"crv,omitempty"`
		X      string   `json:"x,omitempty"`
		Y      string   `json:"y,omitempty"`
	}
	type attributes struct {
		Enabled bool   `json:"enabled"`
		Nbf     *int64 `json:"nbf,omitempty"`
		Exp     *int64 `json:"exp,omitempty"`
	}
	bundle := struct {
		Key        jwk        `json:"key"`
		Attributes attributes `json:"attributes"`
	}{
		Key: jwk{Kid: k.ID, Kty: k.TypeName, KeyOps: k.Operations, N: b64(k.N), E: b64(k.E),
			Crv: k.CurveName, X: b64(k.X), Y: b64(k.Y)},
		Attributes: attributes{Enabled: k.Enabled},
	}
	if !k.NotBefore.IsZero() {
		bundle.Attributes.Nbf = Ptr(k.NotBefore.Unix())
	}
	if !k.Expires.IsZero() {
		bundle.Attributes.Exp = Ptr(k.Expires.Unix())
	}
	text, err := json.Marshal(bundle)
	if err != nil {
		return nil, argError("cannot encode the key as JSON: " + err.Error())
	}
	return NewLocalKey(text)
}

// Close frees the native key. It is idempotent; later calls return ErrClosed.
func (k *LocalKey) Close() error {
	if k == nil {
		return nil
	}
	k.free(false)
	runtime.SetFinalizer(k, nil)
	return nil
}

func (k *LocalKey) free(byFinalizer bool) {
	if p := k.h.take(); p != nil {
		C.kv_key_free((*C.kv_key)(p))
		handleFreed(byFinalizer)
	}
}

func (k *LocalKey) acquire() (*C.kv_key, error) {
	if k == nil {
		return nil, ErrClosed
	}
	if p := k.h.rlock(); p != nil {
		return (*C.kv_key)(p), nil
	}
	return nil, ErrClosed
}

func (k *LocalKey) release() {
	k.h.runlock()
	runtime.KeepAlive(k)
}

// Key returns the key's identifiers, public key material, operations and properties.
func (k *LocalKey) Key() (Key, error) {
	p, err := k.acquire()
	if err != nil {
		return Key{}, err
	}
	out := copyKey(p)
	k.release()
	return out, nil
}

// Verify verifies a signature over a digest locally (kv_key_verify). A signature that does
// not verify gives false, nil. A disabled key still verifies, as in the vault.
func (k *LocalKey) Verify(alg SignatureAlgorithm, digest, signature []byte) (bool, error) {
	p, err := k.acquire()
	if err != nil {
		return false, err
	}
	d, dlen := payload(digest)
	s, slen := payload(signature)
	var valid C.bool
	var e *C.kv_error
	st := C.kv_key_verify(p, C.kv_signature_algorithm(alg), d, dlen, s, slen, &valid, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return false, err
	}
	return bool(valid), nil
}

// VerifyData hashes data with the algorithm's hash, then verifies locally (kv_key_verify_data).
func (k *LocalKey) VerifyData(alg SignatureAlgorithm, data, signature []byte) (bool, error) {
	p, err := k.acquire()
	if err != nil {
		return false, err
	}
	d, dlen := payload(data)
	s, slen := payload(signature)
	var valid C.bool
	var e *C.kv_error
	st := C.kv_key_verify_data(p, C.kv_signature_algorithm(alg), d, dlen, s, slen, &valid, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return false, err
	}
	return bool(valid), nil
}

// Encrypt encrypts locally with the RSA public key (RSA1_5, RSA-OAEP, RSA-OAEP-256) using
// kv_key_encrypt; the vault decrypts the result with Client.Decrypt.
func (k *LocalKey) Encrypt(alg EncryptionAlgorithm, plaintext []byte) (CryptoResult, error) {
	p, err := k.acquire()
	if err != nil {
		return CryptoResult{}, err
	}
	d, dlen := payload(plaintext)
	var out *C.kv_crypto_result
	var e *C.kv_error
	st := C.kv_key_encrypt(p, C.kv_encryption_algorithm(alg), d, dlen, &out, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return CryptoResult{}, err
	}
	return takeCryptoResult(out), nil
}

// WrapKey wraps a symmetric key locally with the RSA public key (kv_key_wrap_key); the vault
// unwraps it with Client.UnwrapKey.
func (k *LocalKey) WrapKey(alg EncryptionAlgorithm, key []byte) (CryptoResult, error) {
	p, err := k.acquire()
	if err != nil {
		return CryptoResult{}, err
	}
	d, dlen := payload(key)
	var out *C.kv_crypto_result
	var e *C.kv_error
	st := C.kv_key_wrap_key(p, C.kv_encryption_algorithm(alg), d, dlen, &out, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return CryptoResult{}, err
	}
	return takeCryptoResult(out), nil
}

// PublicKeyPEM returns the public key as SubjectPublicKeyInfo PEM text (kv_key_public_pem).
func (k *LocalKey) PublicKeyPEM() (string, error) {
	p, err := k.acquire()
	if err != nil {
		return "", err
	}
	var out *C.kv_blob
	var e *C.kv_error
	st := C.kv_key_public_pem(p, &out, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return "", err
	}
	return string(takeBlob(out)), nil
}

// PublicJWK returns the key as JSON Web Key text with public members only (kv_key_public_jwk).
func (k *LocalKey) PublicJWK() ([]byte, error) {
	p, err := k.acquire()
	if err != nil {
		return nil, err
	}
	var out *C.kv_blob
	var e *C.kv_error
	st := C.kv_key_public_jwk(p, &out, &e)
	k.release()
	if err := takeError(st, e); err != nil {
		return nil, err
	}
	return takeBlob(out), nil
}
