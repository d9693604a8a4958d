package kv

/*
#include <stdlib.h>
#include "kv.h"
*/
import "C"

import (
	"context"
	"runtime"
)

// CryptoResult is the result of a crypto call (a copy of kv_crypto_result; the native result
// is zeroized and freed at once).
type CryptoResult struct {
	// Value is the output: the signature (sign), ciphertext (encrypt), plaintext (decrypt),
	// wrapped key (wrap) or unwrapped key (unwrap). A plaintext or unwrapped key is secret
	// material: Wipe it when done.
	Value []byte
	// IV is the initialization vector the vault used (AES encrypt and wrap), Tag the
	// authentication tag (AES-GCM) and AAD the additional authenticated data it echoed.
	IV, Tag, AAD []byte
	// KeyID is the id of the key version that did the work ("" when unknown).
	KeyID string
}

// Wipe zeroes the result's bytes.
func (r *CryptoResult) Wipe() {
	Wipe(r.Value)
	Wipe(r.IV)
	Wipe(r.Tag)
	Wipe(r.AAD)
}

// CryptoParams are the optional AES inputs of Encrypt, Decrypt, WrapKey and UnwrapKey
// (kv_crypto_params): the initialization vector (CBC, GCM), additional authenticated data
// (GCM) and authentication tag (GCM decrypt and unwrap). Empty fields are not sent.
type CryptoParams struct {
	IV, AAD, Tag []byte
}

func takeCryptoResult(p *C.kv_crypto_result) CryptoResult {
	defer C.kv_crypto_result_free(p)
	return CryptoResult{
		Value: goBytes(C.kv_crypto_result_value(p)),
		IV:    goBytes(C.kv_crypto_result_iv(p)),
		Tag:   goBytes(C.kv_crypto_result_tag(p)),
		AAD:   goBytes(C.kv_crypto_result_aad(p)),
		KeyID: goString(C.kv_crypto_result_key_id(p)),
	}
}

// native builds kv_crypto_params (nil for nil or empty params); free with
// kv_crypto_params_free. kv copies the bytes (and zeroizes its copy when freed).
func (cp *CryptoParams) native() (*C.kv_crypto_params, error) {
	if cp == nil || (len(cp.IV) == 0 && len(cp.AAD) == 0 && len(cp.Tag) == 0) {
		return nil, nil
	}
	p := C.kv_crypto_params_new()
	if p == nil {
		panic("kv: out of memory")
	}
	var e *C.kv_error
	for _, f := range []struct {
		b   []byte
		set func(*C.uint8_t, C.size_t) C.kv_status
	}{
		{cp.IV, func(d *C.uint8_t, n C.size_t) C.kv_status { return C.kv_crypto_params_set_iv(p, d, n, &e) }},
		{cp.AAD, func(d *C.uint8_t, n C.size_t) C.kv_status { return C.kv_crypto_params_set_aad(p, d, n, &e) }},
		{cp.Tag, func(d *C.uint8_t, n C.size_t) C.kv_status { return C.kv_crypto_params_set_tag(p, d, n, &e) }},
	} {
		if len(f.b) == 0 {
			continue
		}
		if err := takeError(f.set(payload(f.b)), e); err != nil {
			C.kv_crypto_params_free(p)
			return nil, err
		}
	}
	return p, nil
}

// cryptoCall runs one of kv's (name, version, alg, data, params) crypto calls.
func (c *Client) cryptoCall(ctx context.Context, name, version string, data []byte, params *CryptoParams,
	call func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, cp *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status,
) (CryptoResult, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return CryptoResult{}, a.err
	}
	cp, err := params.native()
	if err != nil {
		return CryptoResult{}, err
	}
	defer C.kv_crypto_params_free(cp)
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return CryptoResult{}, err
	}
	d, dlen := payload(data)
	var out *C.kv_crypto_result
	var e *C.kv_error
	st := call(p, cname, cver, d, dlen, cp, &out, &e)
	cl.release()
	runtime.KeepAlive(data)
	if err := cl.check(st, e); err != nil {
		return CryptoResult{}, err
	}
	return takeCryptoResult(out), nil
}

// Sign signs a digest with a vault key (kv_client_sign; version "" = latest). The digest must
// be exactly as long as the algorithm's hash (32 bytes for RS256, PS256, ES256, ES256K; 48 for
// *384; 64 for *512). The result's Value is the signature (ECDSA: raw r || s).
func (c *Client) Sign(ctx context.Context, name, version string, alg SignatureAlgorithm, digest []byte) (CryptoResult, error) {
	return c.cryptoCall(ctx, name, version, digest, nil, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, _ *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status {
		return C.kv_client_sign(p, n, v, C.kv_signature_algorithm(alg), d, dlen, out, e)
	})
}

// SignData hashes data locally with the algorithm's hash, then signs the digest with a vault
// key (kv_client_sign_data).
func (c *Client) SignData(ctx context.Context, name, version string, alg SignatureAlgorithm, data []byte) (CryptoResult, error) {
	return c.cryptoCall(ctx, name, version, data, nil, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, _ *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status {
		return C.kv_client_sign_data(p, n, v, C.kv_signature_algorithm(alg), d, dlen, out, e)
	})
}

// verifyCall runs kv_client_verify or kv_client_verify_data.
func (c *Client) verifyCall(ctx context.Context, name, version string, data, signature []byte,
	call func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, s *C.uint8_t, slen C.size_t, valid *C.bool, e **C.kv_error) C.kv_status,
) (bool, error) {
	var a cArgs
	defer a.free()
	cname, cver := a.str("name", name), a.optStr("version", version)
	if a.err != nil {
		return false, a.err
	}
	p, cl, err := c.acquire(ctx)
	if err != nil {
		return false, err
	}
	d, dlen := payload(data)
	s, slen := payload(signature)
	var valid C.bool
	var e *C.kv_error
	st := call(p, cname, cver, d, dlen, s, slen, &valid, &e)
	cl.release()
	runtime.KeepAlive(data)
	runtime.KeepAlive(signature)
	if err := cl.check(st, e); err != nil {
		return false, err
	}
	return bool(valid), nil
}

// Verify verifies a signature over a digest with a vault key (kv_client_verify; version "" =
// latest). It returns false, nil for a signature that does not verify. LocalKey.Verify does
// the same without a request.
func (c *Client) Verify(ctx context.Context, name, version string, alg SignatureAlgorithm, digest, signature []byte) (bool, error) {
	return c.verifyCall(ctx, name, version, digest, signature, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, s *C.uint8_t, slen C.size_t, valid *C.bool, e **C.kv_error) C.kv_status {
		return C.kv_client_verify(p, n, v, C.kv_signature_algorithm(alg), d, dlen, s, slen, valid, e)
	})
}

// VerifyData hashes data locally, then verifies the signature over the digest with a vault
// key (kv_client_verify_data).
func (c *Client) VerifyData(ctx context.Context, name, version string, alg SignatureAlgorithm, data, signature []byte) (bool, error) {
	return c.verifyCall(ctx, name, version, data, signature, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, s *C.uint8_t, slen C.size_t, valid *C.bool, e **C.kv_error) C.kv_status {
		return C.kv_client_verify_data(p, n, v, C.kv_signature_algorithm(alg), d, dlen, s, slen, valid, e)
	})
}

// Encrypt encrypts plaintext with a vault key (kv_client_encrypt; version "" = latest).
// params (nil = none) gives the IV and AAD for AES; for AES-GCM the result's IV and Tag are
// needed to decrypt. The plaintext is passed to kv without a copy.
func (c *Client) Encrypt(ctx context.Context, name, version string, alg EncryptionAlgorithm, plaintext []byte, params *CryptoParams) (CryptoResult, error) {
	return c.cryptoCall(ctx, name, version, plaintext, params, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, cp *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status {
		return C.kv_client_encrypt(p, n, v, C.kv_encryption_algorithm(alg), d, dlen, cp, out, e)
	})
}

// Decrypt decrypts ciphertext with a vault key (kv_client_decrypt). AES-GCM needs the IV and
// Tag (and the AAD, if one was used) in params; AES-CBC needs the IV. The result's Value is
// the plaintext.
func (c *Client) Decrypt(ctx context.Context, name, version string, alg EncryptionAlgorithm, ciphertext []byte, params *CryptoParams) (CryptoResult, error) {
	return c.cryptoCall(ctx, name, version, ciphertext, params, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, cp *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status {
		return C.kv_client_decrypt(p, n, v, C.kv_encryption_algorithm(alg), d, dlen, cp, out, e)
	})
}

// WrapKey wraps (encrypts) a symmetric key with a vault key (kv_client_wrap_key), e.g.
// RSA-OAEP-256 with an RSA key or A256KW with an oct key.
func (c *Client) WrapKey(ctx context.Context, name, version string, alg EncryptionAlgorithm, key []byte, params *CryptoParams) (CryptoResult, error) {
	return c.cryptoCall(ctx, name, version, key, params, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, cp *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status {
		return C.kv_client_wrap_key(p, n, v, C.kv_encryption_algorithm(alg), d, dlen, cp, out, e)
	})
}

// UnwrapKey unwraps a wrapped key with a vault key (kv_client_unwrap_key); params as for
// Decrypt. The result's Value is the unwrapped key.
func (c *Client) UnwrapKey(ctx context.Context, name, version string, alg EncryptionAlgorithm, wrappedKey []byte, params *CryptoParams) (CryptoResult, error) {
	return c.cryptoCall(ctx, name, version, wrappedKey, params, func(p *C.kv_client, n, v *C.char, d *C.uint8_t, dlen C.size_t, cp *C.kv_crypto_params, out **C.kv_crypto_result, e **C.kv_error) C.kv_status {
		return C.kv_client_unwrap_key(p, n, v, C.kv_encryption_algorithm(alg), d, dlen, cp, out, e)
	})
}
