package hdrgen

import (
	"strings"
	"testing"
)

const sample = `/*
 * Preamble mentioning kv_not_a_function(x) in prose.
 */
/**
 * Status type.
 */
typedef uint32_t kv_status;
/**
 * Key types.
 */
typedef uint32_t kv_key_type;
/**
 * Success.
 */
#define KV_STATUS_OK 0
/**
 * Service code ` + "`SecretNotFound`" + `.
 */
#define KV_STATUS_SECRET_NOT_FOUND 321
/**
 * "RSA-HSM": HSM-protected RSA.
 */
#define KV_KEY_TYPE_RSA_HSM 2
/**
 * Gets a secret.
 */
kv_status kv_client_get_secret(const struct kv_client *c,
                               const char *name);
struct kv_str kv_secret_name(const struct kv_secret *s);
void kv_secret_free(struct kv_secret *s);
`

func TestParseAndGenerate(t *testing.T) {
	h, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(h.Functions, " "); got != "kv_client_get_secret kv_secret_name kv_secret_free" {
		t.Errorf("functions: %s", got)
	}
	code, err := Generate([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"StatusSecretNotFound Status = 321",
		`ErrSecretNotFound = &Error{Status: StatusSecretNotFound, StatusName: "KV_STATUS_SECRET_NOT_FOUND"}`,
		"KeyTypeRSAHSM KeyType = 2",
		`KeyTypeRSAHSM: "RSA-HSM"`,
	} {
		if !strings.Contains(string(code), want) {
			t.Errorf("generated code lacks %q", want)
		}
	}
	if strings.Contains(string(code), "ErrOK") {
		t.Errorf("KV_STATUS_OK got a sentinel")
	}
}

func TestUnknownEnumerationFails(t *testing.T) {
	bad := sample + "\n#define KV_WIDGET_SIZE 3\n"
	if _, err := Generate([]byte(bad)); err == nil || !strings.Contains(err.Error(), "KV_WIDGET_SIZE") {
		t.Errorf("a define outside every enumeration was accepted: %v", err)
	}
}

func TestGoWords(t *testing.T) {
	for in, want := range map[string]string{
		"SECRET_NOT_FOUND": "SecretNotFound", "INVALID_UTF8": "InvalidUTF8", "TLS": "TLS",
		"RSA_OAEP_256": "RSAOAEP256", "RSA1_5": "RSA15", "OCT_HSM": "OctHSM", "FORBIDDEN_BY_RBAC": "ForbiddenByRBAC",
		"CKM_AES_KEY_WRAP_PAD": "CKMAESKeyWrapPad", "P256K": "P256K",
	} {
		if got := goWords(in); got != want {
			t.Errorf("goWords(%s) = %s, want %s", in, got, want)
		}
	}
}
