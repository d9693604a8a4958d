package kv_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

var allOps = []string{kv.KeyOperationSign, kv.KeyOperationVerify, kv.KeyOperationEncrypt,
	kv.KeyOperationDecrypt, kv.KeyOperationWrapKey, kv.KeyOperationUnwrapKey}

// localKey returns a LocalKey for k, closed at the end of the test.
func localKey(t *testing.T, k kv.Key) *kv.LocalKey {
	t.Helper()
	lk, err := k.LocalKey()
	must(t, "LocalKey", err)
	t.Cleanup(func() { lk.Close() })
	return lk
}

// goPublicKey parses the key's exported PEM with crypto/x509: an independent check of kv's
// key material and PEM export.
func goPublicKey(t *testing.T, lk *kv.LocalKey) crypto.PublicKey {
	t.Helper()
	text, err := lk.PublicKeyPEM()
	must(t, "PublicKeyPEM", err)
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PUBLIC KEY PEM: %q", text)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	must(t, "ParsePKIXPublicKey", err)
	return pub
}

func TestKeyCreateRSA(t *testing.T) {
	name := uniqueName("go-rsa")
	k, err := client.CreateKey(ctx, name, kv.KeyTypeRSA, &kv.KeyOptions{
		Size:       2048,
		Operations: allOps,
		Tags:       map[string]string{"purpose": "test"},
	})
	must(t, "CreateKey", err)
	if k.Type != kv.KeyTypeRSA || k.TypeName != "RSA" || k.Name != name || k.Version == "" ||
		!strings.HasSuffix(k.ID, "/keys/"+name+"/"+k.Version) || !k.Enabled {
		t.Errorf("key: %+v", k)
	}
	if len(k.N) != 256 || !bytes.Equal(k.E, []byte{1, 0, 1}) || k.X != nil || k.Curve != 0 {
		t.Errorf("material: n %d bytes, e %x, x %x, curve %v", len(k.N), k.E, k.X, k.Curve)
	}
	if strings.Join(k.Operations, ",") != strings.Join(allOps, ",") || k.Tags["purpose"] != "test" {
		t.Errorf("operations %v tags %v", k.Operations, k.Tags)
	}
	got, err := client.GetKey(ctx, name, "")
	must(t, "GetKey", err)
	if got.ID != k.ID || !bytes.Equal(got.N, k.N) {
		t.Errorf("GetKey differs: %s", got.ID)
	}
	lk := localKey(t, k)
	pub, ok := goPublicKey(t, lk).(*rsa.PublicKey)
	if !ok || pub.N.Cmp(new(big.Int).SetBytes(k.N)) != 0 || pub.E != 65537 {
		t.Errorf("PEM public key does not match")
	}
	jwk, err := lk.PublicJWK()
	must(t, "PublicJWK", err)
	var m map[string]any
	must(t, "parse JWK", json.Unmarshal(jwk, &m))
	if m["kty"] != "RSA" || m["kid"] != k.ID || m["d"] != nil {
		t.Errorf("JWK: %s", jwk)
	}
	back, err := lk.Key()
	must(t, "LocalKey.Key", err)
	if back.ID != k.ID || !bytes.Equal(back.N, k.N) {
		t.Errorf("LocalKey.Key: %+v", back)
	}

	_, err = client.CreateKey(ctx, uniqueName("go-rsa-bad"), kv.KeyTypeRSA, &kv.KeyOptions{Size: 1000})
	expectStatus(t, "CreateKey(size 1000)", err, kv.ErrInvalidArgument)
	_, err = client.CreateKey(ctx, uniqueName("go-rsa-bad"), kv.KeyType(99), nil)
	expectStatus(t, "CreateKey(type 99)", err, kv.ErrInvalidArgument)
	_, err = client.GetKey(ctx, uniqueName("go-missing"), "")
	e := expectStatus(t, "GetKey(missing)", err, kv.ErrKeyNotFound)
	if e.Code != "KeyNotFound" || e.HTTPStatus != 404 {
		t.Errorf("fields: %+v", *e)
	}
}

var curves = []struct {
	curve    kv.KeyCurve
	wire     string
	alg      kv.SignatureAlgorithm
	hash     func([]byte) []byte
	coord    int
	goCurve  elliptic.Curve // nil: not in the Go standard library
	sigBytes int
}{
	{kv.KeyCurveP256, "P-256", kv.SignatureAlgorithmES256, sum256, 32, elliptic.P256(), 64},
	{kv.KeyCurveP384, "P-384", kv.SignatureAlgorithmES384, sum384, 48, elliptic.P384(), 96},
	{kv.KeyCurveP521, "P-521", kv.SignatureAlgorithmES512, sum512, 66, elliptic.P521(), 132},
	{kv.KeyCurveP256K, "P-256K", kv.SignatureAlgorithmES256K, sum256, 32, nil, 64},
}

func sum256(b []byte) []byte { h := sha256.Sum256(b); return h[:] }
func sum384(b []byte) []byte { h := sha512.Sum384(b); return h[:] }
func sum512(b []byte) []byte { h := sha512.Sum512(b); return h[:] }

func TestKeyCreateECSignVerify(t *testing.T) {
	for _, c := range curves {
		t.Run(c.wire, func(t *testing.T) {
			if c.curve == kv.KeyCurveP256K {
				skipOnEmulator(t, "P-256K (secp256k1) keys")
			}
			name := uniqueName("go-ec")
			k, err := client.CreateKey(ctx, name, kv.KeyTypeEC, &kv.KeyOptions{Curve: c.curve})
			must(t, "CreateKey", err)
			if k.Type != kv.KeyTypeEC || k.Curve != c.curve || k.CurveName != c.wire || len(k.X) != c.coord || len(k.Y) != c.coord {
				t.Fatalf("key: type %v curve %v x %d y %d", k.Type, k.Curve, len(k.X), len(k.Y))
			}
			data := []byte("message to sign with " + c.wire)
			digest := c.hash(data)

			sig, err := client.Sign(ctx, name, latest(k.Version), c.alg, digest)
			must(t, "Sign", err)
			if len(sig.Value) != c.sigBytes || sig.KeyID != k.ID {
				t.Errorf("signature %d bytes (want %d), key id %q", len(sig.Value), c.sigBytes, sig.KeyID)
			}
			ok, err := client.Verify(ctx, name, k.Version, c.alg, digest, sig.Value)
			must(t, "Verify", err)
			if !ok {
				t.Errorf("remote Verify: false")
			}
			lk := localKey(t, k)
			ok, err = lk.Verify(c.alg, digest, sig.Value)
			must(t, "LocalKey.Verify", err)
			if !ok {
				t.Errorf("local Verify: false")
			}
			tampered := bytes.Clone(sig.Value)
			tampered[len(tampered)/2] ^= 1
			if ok, err := lk.Verify(c.alg, digest, tampered); err != nil || ok {
				t.Errorf("tampered signature: %v %v", ok, err)
			}
			if ok, err := client.Verify(ctx, name, latest(k.Version), c.alg, digest, tampered); err != nil || ok {
				t.Errorf("tampered signature (remote): %v %v", ok, err)
			}

			sd, err := client.SignData(ctx, name, latest(k.Version), c.alg, data)
			must(t, "SignData", err)
			for _, v := range []func() (bool, error){
				func() (bool, error) { return client.VerifyData(ctx, name, latest(k.Version), c.alg, data, sd.Value) },
				func() (bool, error) { return lk.VerifyData(c.alg, data, sd.Value) },
				func() (bool, error) { return lk.Verify(c.alg, digest, sd.Value) },
			} {
				if ok, err := v(); err != nil || !ok {
					t.Errorf("VerifyData: %v %v", ok, err)
				}
			}

			if c.goCurve != nil {
				pub, isEC := goPublicKey(t, lk).(*ecdsa.PublicKey)
				if !isEC || pub.Curve != c.goCurve {
					t.Fatalf("PEM is not a %s key", c.wire)
				}
				r := new(big.Int).SetBytes(sig.Value[:c.sigBytes/2])
				s := new(big.Int).SetBytes(sig.Value[c.sigBytes/2:])
				if !ecdsa.Verify(pub, digest, r, s) {
					t.Errorf("crypto/ecdsa rejects kv's signature")
				}
			}

			_, err = client.Sign(ctx, name, latest(k.Version), c.alg, digest[:10])
			expectStatus(t, "Sign(short digest)", err, kv.ErrInvalidArgument)
			_, err = lk.Verify(kv.SignatureAlgorithmRS256, sum256(data), sig.Value)
			expectStatus(t, "local Verify with RS256 on an EC key", err, kv.ErrUnsupportedAlgorithm)
		})
	}
}

func TestRSASignVerify(t *testing.T) {
	name := uniqueName("go-rsa-sign")
	k, err := client.CreateKey(ctx, name, kv.KeyTypeRSA, &kv.KeyOptions{Size: 2048})
	must(t, "CreateKey", err)
	lk := localKey(t, k)
	pub := goPublicKey(t, lk).(*rsa.PublicKey)
	data := []byte("RSA signatures")
	for _, c := range []struct {
		alg  kv.SignatureAlgorithm
		hash crypto.Hash
		sum  func([]byte) []byte
		pss  bool
	}{
		{kv.SignatureAlgorithmRS256, crypto.SHA256, sum256, false},
		{kv.SignatureAlgorithmRS384, crypto.SHA384, sum384, false},
		{kv.SignatureAlgorithmRS512, crypto.SHA512, sum512, false},
		{kv.SignatureAlgorithmPS256, crypto.SHA256, sum256, true},
		{kv.SignatureAlgorithmPS512, crypto.SHA512, sum512, true},
	} {
		t.Run(c.alg.String(), func(t *testing.T) {
			digest := c.sum(data)
			sig, err := client.Sign(ctx, name, k.Version, c.alg, digest)
			must(t, "Sign", err)
			if ok, err := lk.Verify(c.alg, digest, sig.Value); err != nil || !ok {
				t.Errorf("local Verify: %v %v", ok, err)
			}
			if ok, err := client.Verify(ctx, name, latest(k.Version), c.alg, digest, sig.Value); err != nil || !ok {
				t.Errorf("remote Verify: %v %v", ok, err)
			}
			if c.pss {
				err = rsa.VerifyPSS(pub, c.hash, digest, sig.Value, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				err = rsa.VerifyPKCS1v15(pub, c.hash, digest, sig.Value)
			}
			must(t, "crypto/rsa verify", err)
		})
	}
}

func TestEncryptDecryptRSA(t *testing.T) {
	name := uniqueName("go-rsa-enc")
	k, err := client.CreateKey(ctx, name, kv.KeyTypeRSA, &kv.KeyOptions{Size: 2048})
	must(t, "CreateKey", err)
	lk := localKey(t, k)
	plaintext := []byte("attack at dawn\x00 — ünïcode")
	for _, alg := range []kv.EncryptionAlgorithm{kv.EncryptionAlgorithmRSAOAEP256, kv.EncryptionAlgorithmRSAOAEP, kv.EncryptionAlgorithmRSA15} {
		t.Run(alg.String(), func(t *testing.T) {
			enc, err := client.Encrypt(ctx, name, latest(k.Version), alg, plaintext, nil)
			must(t, "Encrypt", err)
			if len(enc.Value) != 256 || enc.KeyID != k.ID {
				t.Errorf("ciphertext %d bytes, key id %q", len(enc.Value), enc.KeyID)
			}
			dec, err := client.Decrypt(ctx, name, latest(k.Version), alg, enc.Value, nil)
			must(t, "Decrypt", err)
			if !bytes.Equal(dec.Value, plaintext) {
				t.Errorf("decrypted %q", dec.Value)
			}
			dec.Wipe()
			local, err := lk.Encrypt(alg, plaintext)
			must(t, "LocalKey.Encrypt", err)
			dec, err = client.Decrypt(ctx, name, k.Version, alg, local.Value, nil)
			must(t, "Decrypt(local ciphertext)", err)
			if !bytes.Equal(dec.Value, plaintext) {
				t.Errorf("decrypted local ciphertext %q", dec.Value)
			}
		})
	}
	// Interoperability: crypto/rsa encrypts, the vault decrypts.
	pub := goPublicKey(t, lk).(*rsa.PublicKey)
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, plaintext, nil)
	must(t, "rsa.EncryptOAEP", err)
	dec, err := client.Decrypt(ctx, name, latest(k.Version), kv.EncryptionAlgorithmRSAOAEP256, ct, nil)
	must(t, "Decrypt(crypto/rsa ciphertext)", err)
	if !bytes.Equal(dec.Value, plaintext) {
		t.Errorf("decrypted %q", dec.Value)
	}
	_, err = lk.Encrypt(kv.EncryptionAlgorithmA256GCM, plaintext)
	expectStatus(t, "local AES encrypt", err, kv.ErrUnsupportedAlgorithm)
}

func TestWrapUnwrap(t *testing.T) {
	cek := make([]byte, 32)
	rand.Read(cek)
	t.Run("RSA", func(t *testing.T) {
		name := uniqueName("go-wrap")
		k, err := client.CreateKey(ctx, name, kv.KeyTypeRSA, &kv.KeyOptions{Size: 3072})
		must(t, "CreateKey", err)
		w, err := client.WrapKey(ctx, name, latest(k.Version), kv.EncryptionAlgorithmRSAOAEP256, cek, nil)
		must(t, "WrapKey", err)
		if len(w.Value) != 384 {
			t.Errorf("wrapped key %d bytes", len(w.Value))
		}
		u, err := client.UnwrapKey(ctx, name, latest(k.Version), kv.EncryptionAlgorithmRSAOAEP256, w.Value, nil)
		must(t, "UnwrapKey", err)
		if !bytes.Equal(u.Value, cek) {
			t.Errorf("unwrapped %x", u.Value)
		}
		lw, err := localKey(t, k).WrapKey(kv.EncryptionAlgorithmRSAOAEP256, cek)
		must(t, "LocalKey.WrapKey", err)
		u, err = client.UnwrapKey(ctx, name, k.Version, kv.EncryptionAlgorithmRSAOAEP256, lw.Value, nil)
		must(t, "UnwrapKey(local)", err)
		if !bytes.Equal(u.Value, cek) {
			t.Errorf("unwrapped %x", u.Value)
		}
	})
	t.Run("A256KW", func(t *testing.T) {
		skipOnEmulator(t, "oct-HSM keys (Managed HSM only; a Standard vault refuses them too)")
		name := uniqueName("go-kw")
		_, err := client.CreateKey(ctx, name, kv.KeyTypeOctHSM, &kv.KeyOptions{Size: 256})
		must(t, "CreateKey(oct-HSM)", err)
		w, err := client.WrapKey(ctx, name, "", kv.EncryptionAlgorithmA256KW, cek, nil)
		must(t, "WrapKey", err)
		if len(w.Value) != 40 {
			t.Errorf("wrapped %d bytes, want 40", len(w.Value))
		}
		u, err := client.UnwrapKey(ctx, name, "", kv.EncryptionAlgorithmA256KW, w.Value, nil)
		must(t, "UnwrapKey", err)
		if !bytes.Equal(u.Value, cek) {
			t.Errorf("unwrapped %x", u.Value)
		}
	})
}

func TestEncryptDecryptAES(t *testing.T) {
	skipOnEmulator(t, "oct-HSM keys (Managed HSM only; a Standard vault refuses them too)")
	name := uniqueName("go-aes")
	_, err := client.CreateKey(ctx, name, kv.KeyTypeOctHSM, &kv.KeyOptions{Size: 256})
	must(t, "CreateKey(oct-HSM 256)", err)
	plaintext := []byte("sixteen byte blk and some more bytes")
	aad := []byte("header")

	enc, err := client.Encrypt(ctx, name, "", kv.EncryptionAlgorithmA256GCM, plaintext, &kv.CryptoParams{AAD: aad})
	must(t, "Encrypt(A256GCM)", err)
	if len(enc.IV) == 0 || len(enc.Tag) != 16 || bytes.Equal(enc.Value, plaintext) {
		t.Fatalf("GCM result: iv %x tag %x", enc.IV, enc.Tag)
	}
	dec, err := client.Decrypt(ctx, name, "", kv.EncryptionAlgorithmA256GCM, enc.Value, &kv.CryptoParams{IV: enc.IV, AAD: aad, Tag: enc.Tag})
	must(t, "Decrypt(A256GCM)", err)
	if !bytes.Equal(dec.Value, plaintext) {
		t.Errorf("decrypted %q", dec.Value)
	}
	badTag := bytes.Clone(enc.Tag)
	badTag[0] ^= 0xff
	_, err = client.Decrypt(ctx, name, "", kv.EncryptionAlgorithmA256GCM, enc.Value, &kv.CryptoParams{IV: enc.IV, AAD: aad, Tag: badTag})
	if err == nil {
		t.Errorf("GCM decrypt with a wrong tag succeeded")
	} else {
		kvError(t, err)
	}

	iv := make([]byte, 16)
	rand.Read(iv)
	enc, err = client.Encrypt(ctx, name, "", kv.EncryptionAlgorithmA256CBCPAD, plaintext, &kv.CryptoParams{IV: iv})
	must(t, "Encrypt(A256CBCPAD)", err)
	if len(enc.Value)%16 != 0 {
		t.Errorf("CBC ciphertext %d bytes", len(enc.Value))
	}
	dec, err = client.Decrypt(ctx, name, "", kv.EncryptionAlgorithmA256CBCPAD, enc.Value, &kv.CryptoParams{IV: iv})
	must(t, "Decrypt(A256CBCPAD)", err)
	if !bytes.Equal(dec.Value, plaintext) {
		t.Errorf("decrypted %q", dec.Value)
	}
	_, err = client.Encrypt(ctx, name, "", kv.EncryptionAlgorithmRSAOAEP256, plaintext, &kv.CryptoParams{IV: iv})
	expectStatus(t, "RSA-OAEP-256 with an iv", err, kv.ErrInvalidArgument)
}

func TestKeyRotationPolicy(t *testing.T) {
	name := uniqueName("go-rot")
	first, err := client.CreateKey(ctx, name, kv.KeyTypeEC, nil)
	must(t, "CreateKey", err)
	want := kv.KeyRotationPolicy{
		ExpiryTime: "P2Y",
		Actions: []kv.KeyRotationLifetimeAction{
			{Action: kv.KeyRotationActionRotate, TimeAfterCreate: "P90D"},
			{Action: kv.KeyRotationActionNotify, TimeBeforeExpiry: "P30D"},
		},
	}
	stored, err := client.UpdateKeyRotationPolicy(ctx, name, want)
	must(t, "UpdateKeyRotationPolicy", err)
	got, err := client.GetKeyRotationPolicy(ctx, name)
	must(t, "GetKeyRotationPolicy", err)
	for _, p := range []kv.KeyRotationPolicy{stored, got} {
		if p.ID == "" || p.ExpiryTime != "P2Y" || len(p.Actions) != 2 {
			t.Fatalf("policy: %+v", p)
		}
		var rotate, notify bool
		for _, a := range p.Actions {
			rotate = rotate || (a.Action == kv.KeyRotationActionRotate && a.TimeAfterCreate == "P90D" && a.TimeBeforeExpiry == "")
			notify = notify || (a.Action == kv.KeyRotationActionNotify && a.TimeBeforeExpiry == "P30D" && a.TimeAfterCreate == "")
		}
		if !rotate || !notify {
			t.Errorf("actions: %+v", p.Actions)
		}
	}
	_, err = client.UpdateKeyRotationPolicy(ctx, name, kv.KeyRotationPolicy{Actions: []kv.KeyRotationLifetimeAction{
		{Action: kv.KeyRotationActionRotate, TimeAfterCreate: "P1D", TimeBeforeExpiry: "P1D"},
	}})
	expectStatus(t, "both triggers", err, kv.ErrInvalidArgument)

	second, err := client.RotateKey(ctx, name)
	must(t, "RotateKey", err)
	if second.Version == first.Version || second.Name != name || second.Curve != first.Curve {
		t.Errorf("rotated: %+v", second)
	}
	it, err := client.ListKeyVersions(ctx, name)
	if n := len(collectKeys(t, it, err)); n != 2 {
		t.Errorf("%d versions after rotate", n)
	}
}

func TestRandomBytes(t *testing.T) {
	a, err := client.GetRandomBytes(ctx, 32)
	must(t, "GetRandomBytes", err)
	b, err := client.GetRandomBytes(ctx, 32)
	must(t, "GetRandomBytes", err)
	if len(a) != 32 || len(b) != 32 || bytes.Equal(a, b) {
		t.Errorf("random bytes %x %x", a, b)
	}
	one, err := client.GetRandomBytes(ctx, 1)
	must(t, "GetRandomBytes(1)", err)
	if len(one) != 1 {
		t.Errorf("%d bytes", len(one))
	}
	kv.Wipe(a)
	for _, n := range []int{0, 129, -1} {
		_, err := client.GetRandomBytes(ctx, n)
		expectStatus(t, fmt.Sprint("GetRandomBytes(", n, ")"), err, kv.ErrInvalidArgument)
	}
}

// collectKeys drains a key iterator.
func collectKeys(t *testing.T, it *kv.KeyIterator, err error) []kv.Key {
	t.Helper()
	must(t, "list", err)
	defer it.Close()
	var out []kv.Key
	for it.Next() {
		out = append(out, it.Item())
	}
	must(t, "iterate", it.Err())
	return out
}

func TestListKeysAcrossPages(t *testing.T) {
	prefix := uniqueName("go-klist")
	const n = 2*pageSize + 1
	for i := 0; i < n; i++ {
		_, err := client.CreateKey(ctx, fmt.Sprintf("%s-%d", prefix, i), kv.KeyTypeEC, nil)
		must(t, "CreateKey", err)
	}
	it, err := client.ListKeys(ctx)
	seen := 0
	for _, k := range collectKeys(t, it, err) {
		if strings.HasPrefix(k.Name, prefix) {
			seen++
			if k.Version != "" || k.X != nil {
				t.Errorf("list item carries version %q or material", k.Version)
			}
			if _, err := k.LocalKey(); err == nil {
				t.Errorf("LocalKey of a list item (no material) succeeded")
			}
		}
	}
	if seen != n {
		t.Errorf("listed %d of %d keys", seen, n)
	}
}

func TestKeyLifecycle(t *testing.T) {
	name := uniqueName("go-klife")
	k, err := client.CreateKey(ctx, name, kv.KeyTypeEC, &kv.KeyOptions{Curve: kv.KeyCurveP256, Tags: map[string]string{"a": "1"}})
	must(t, "CreateKey", err)
	digest := sum256([]byte("x"))

	exp := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	upd, err := client.UpdateKeyProperties(ctx, name, latest(k.Version), kv.KeyOptions{
		Enabled: kv.Ptr(false), Expires: exp, Tags: map[string]string{"b": "2"},
		Operations: []string{kv.KeyOperationSign, kv.KeyOperationVerify},
	})
	must(t, "UpdateKeyProperties", err)
	if upd.Enabled || !upd.Expires.Equal(exp) || upd.Tags["b"] != "2" || upd.Tags["a"] != "" || len(upd.Operations) != 2 {
		t.Errorf("updated: %+v", upd)
	}
	_, err = client.Sign(ctx, name, latest(k.Version), kv.SignatureAlgorithmES256, digest)
	if emulator { // a plain 403 Forbidden, without the service's inner code KeyDisabled
		if e := expectStatus(t, "Sign with a disabled key", err, kv.ErrForbidden); e.HTTPStatus != 403 {
			t.Errorf("fields: %+v", *e)
		}
	} else if e := expectStatus(t, "Sign with a disabled key", err, kv.ErrKeyDisabled); e.InnerCode != "KeyDisabled" || e.HTTPStatus != 403 {
		t.Errorf("fields: %+v", *e)
	}
	_, err = client.UpdateKeyProperties(ctx, name, k.Version, kv.KeyOptions{Enabled: kv.Ptr(true)})
	must(t, "enable", err)
	_, err = client.Sign(ctx, name, latest(k.Version), kv.SignatureAlgorithmES256, digest)
	must(t, "Sign", err)
	_, err = client.UpdateKeyProperties(ctx, name, latest(k.Version), kv.KeyOptions{Size: 2048})
	expectStatus(t, "UpdateKeyProperties(size)", err, kv.ErrInvalidArgument)

	// Local operations respect key_ops: this key may only sign and verify.
	got, err := client.GetKey(ctx, name, "")
	must(t, "GetKey", err)
	lk := localKey(t, got)
	if ok, err := lk.Verify(kv.SignatureAlgorithmES256, digest, make([]byte, 64)); err != nil || ok {
		t.Errorf("verify of zeros: %v %v", ok, err)
	}

	backup, err := client.BackupKey(ctx, name)
	must(t, "BackupKey", err)

	del, err := client.DeleteKey(ctx, name)
	must(t, "DeleteKey", err)
	if del.Name != name || del.RecoveryID == "" {
		t.Errorf("deleted: %+v", del)
	}
	must(t, "WaitForDeletedKey", client.WaitForDeletedKey(ctx, name, 30*time.Second))
	d, err := client.GetDeletedKey(ctx, name)
	must(t, "GetDeletedKey", err)
	if d.DeletedDate.IsZero() || d.ScheduledPurgeDate.IsZero() || d.RecoveryID == "" {
		t.Errorf("deleted key: %+v", d)
	}
	it, err := client.ListDeletedKeys(ctx)
	found := false
	for _, k := range collectKeys(t, it, err) {
		found = found || k.Name == name
	}
	if !found {
		t.Errorf("%s not in ListDeletedKeys", name)
	}
	_, err = client.CreateKey(ctx, name, kv.KeyTypeEC, nil)
	if emulator { // a plain 409 Conflict, without the service's code ObjectIsDeletedButRecoverable
		expectStatus(t, "CreateKey on a deleted name", err, kv.ErrConflict)
	} else {
		expectStatus(t, "CreateKey on a deleted name", err, kv.ErrObjectIsDeletedButRecoverable)
	}

	_, err = client.RecoverDeletedKey(ctx, name)
	must(t, "RecoverDeletedKey", err)
	must(t, "WaitForRecoveredKey", client.WaitForRecoveredKey(ctx, name, 30*time.Second))
	_, err = client.GetKey(ctx, name, k.Version)
	must(t, "GetKey after recover", err)

	_, err = client.DeleteKey(ctx, name)
	must(t, "DeleteKey", err)
	must(t, "WaitForDeletedKey", client.WaitForDeletedKey(ctx, name, 30*time.Second))
	must(t, "PurgeDeletedKey", client.PurgeDeletedKey(ctx, name))
	_, err = client.GetDeletedKey(ctx, name)
	expectStatus(t, "GetDeletedKey after purge", err, kv.ErrKeyNotFound)

	r, err := client.RestoreKey(ctx, backup)
	must(t, "RestoreKey", err)
	if r.Name != name {
		t.Errorf("restored: %+v", r)
	}
	_, err = client.RestoreKey(ctx, backup)
	expectStatus(t, "RestoreKey over a live key", err, kv.ErrConflict)
	_, err = client.GetKey(ctx, name, k.Version)
	must(t, "GetKey after restore", err)
}

func TestImportKeys(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	t.Run("JWK", func(t *testing.T) {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(t, "GenerateKey", err)
		eh, err := priv.ECDH()
		must(t, "ECDH", err)
		pt := eh.PublicKey().Bytes() // 0x04 || x || y
		jwk := []byte(fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q,"d":%q}`, b64(pt[1:33]), b64(pt[33:]), b64(eh.Bytes())))
		name := uniqueName("go-imp-jwk")
		k, err := client.ImportKeyJWK(ctx, name, jwk, &kv.KeyOptions{Operations: []string{kv.KeyOperationSign, kv.KeyOperationVerify}})
		must(t, "ImportKeyJWK", err)
		if k.Curve != kv.KeyCurveP256 || !bytes.Equal(k.X, pt[1:33]) {
			t.Errorf("imported: %+v", k)
		}
		digest := sum256([]byte("imported"))
		sig, err := client.Sign(ctx, name, latest(k.Version), kv.SignatureAlgorithmES256, digest)
		must(t, "Sign", err)
		r, s := new(big.Int).SetBytes(sig.Value[:32]), new(big.Int).SetBytes(sig.Value[32:])
		if !ecdsa.Verify(&priv.PublicKey, digest, r, s) {
			t.Errorf("crypto/ecdsa rejects the signature of the imported key")
		}
		_, err = client.ImportKeyJWK(ctx, uniqueName("go-imp-bad"), []byte(`{"kty":"EC"}`), nil)
		if err == nil {
			t.Errorf("incomplete JWK imported")
		}
		_, err = client.ImportKeyJWK(ctx, name, []byte("{\x00}"), nil)
		expectStatus(t, "JWK with NUL", err, kv.ErrInvalidArgument)
		_, err = client.ImportKeyJWK(ctx, name, jwk, &kv.KeyOptions{Size: 2048})
		expectStatus(t, "import with a size", err, kv.ErrInvalidArgument)

		// A JWK without private members makes a LocalKey directly.
		pubJWK := []byte(fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q,"key_ops":["sign"]}`, b64(pt[1:33]), b64(pt[33:])))
		lk, err := kv.NewLocalKey(pubJWK)
		must(t, "NewLocalKey", err)
		defer lk.Close()
		_, err = lk.Verify(kv.SignatureAlgorithmES256, digest, sig.Value)
		expectStatus(t, "verify with key_ops [sign]", err, kv.ErrOperationNotPermitted)
		_, err = kv.NewLocalKey([]byte("not json"))
		expectStatus(t, "NewLocalKey(not json)", err, kv.ErrInvalidArgument)
	})
	t.Run("PEM", func(t *testing.T) {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		must(t, "GenerateKey", err)
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		must(t, "MarshalPKCS8PrivateKey", err)
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		name := uniqueName("go-imp-pem")
		// The emulator's vault is Standard tier: software keys only there.
		wantType := kv.KeyTypeRSAHSM
		if emulator {
			wantType = kv.KeyTypeRSA
		}
		k, err := client.ImportKeyPEM(ctx, name, pemBytes, &kv.KeyOptions{HSM: !emulator})
		must(t, "ImportKeyPEM", err)
		if k.Type != wantType || new(big.Int).SetBytes(k.N).Cmp(priv.N) != 0 {
			t.Errorf("imported: type %v", k.Type)
		}
		digest := sum256([]byte("pem"))
		sig, err := client.Sign(ctx, name, latest(k.Version), kv.SignatureAlgorithmRS256, digest)
		must(t, "Sign", err)
		must(t, "crypto/rsa verify", rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, digest, sig.Value))
		// DER works too.
		_, err = client.ImportKeyPEM(ctx, uniqueName("go-imp-der"), der, nil)
		must(t, "ImportKeyPEM(DER)", err)
		_, err = client.ImportKeyPEM(ctx, uniqueName("go-imp-bad"), []byte("garbage"), nil)
		expectStatus(t, "ImportKeyPEM(garbage)", err, kv.ErrInvalidArgument)
	})
}

func TestReleaseAndAttestation(t *testing.T) {
	skipOnEmulator(t, "HSM keys (its vault is Standard tier), key attestation and secure key release")
	name := uniqueName("go-release")
	policy := []byte(`{"version":"1.0.0","anyOf":[{"authority":"https://attest.example","allOf":[{"claim":"x","equals":"y"}]}]}`)
	k, err := client.CreateKey(ctx, name, kv.KeyTypeRSAHSM, &kv.KeyOptions{
		Size: 2048, Exportable: kv.Ptr(true),
		ReleasePolicy: &kv.ReleasePolicy{Data: policy},
	})
	must(t, "CreateKey(exportable)", err)
	if !k.Exportable || k.ReleasePolicy == nil || !bytes.Equal(k.ReleasePolicy.Data, policy) || k.ReleasePolicy.Immutable {
		t.Errorf("key: exportable %v policy %+v", k.Exportable, k.ReleasePolicy)
	}
	jws, err := client.ReleaseKey(ctx, name, "", "attestation-token", "nonce-1", kv.KeyReleaseAlgorithmRSAAESKeyWrap256)
	must(t, "ReleaseKey", err)
	if parts := strings.Split(string(jws), "."); len(parts) != 3 {
		t.Errorf("release value is not a JWS: %q", jws)
	}
	kv.Wipe(jws)
	_, err = client.ReleaseKey(ctx, name, "", "attestation-token", "", kv.KeyReleaseAlgorithm(77))
	expectStatus(t, "ReleaseKey(enc 77)", err, kv.ErrInvalidArgument)

	a, err := client.GetKeyAttestation(ctx, name, k.Version)
	must(t, "GetKeyAttestation", err)
	if a.Attestation == nil || (a.Attestation.PrivateKey == nil && a.Attestation.PublicKey == nil) {
		t.Errorf("no attestation: %+v", a.Attestation)
	}
	plain, err := client.GetKey(ctx, name, "")
	must(t, "GetKey", err)
	if plain.Attestation != nil {
		t.Errorf("GetKey carries an attestation")
	}
}
