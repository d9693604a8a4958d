package kv_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/kv-sdk/kv/bindings/go/kv"
)

func TestCertificateSelfSignedDownloadLoadsInCryptoTLS(t *testing.T) {
	name := uniqueName("go-cert")
	yes := true
	policy := kv.CertificatePolicy{Subject: "CN=go.example", DNSNames: []string{"go.example"}, KeyType: "EC", Curve: "P-256",
		ContentType: "application/x-pem-file", ValidityInMonths: 6, Exportable: &yes,
		LifetimeActions: []kv.LifetimeAction{{Action: "AutoRenew", LifetimePercentage: 80}}}
	op, err := client.CreateCertificate(ctx, name, policy, &kv.CertificateOptions{Tags: map[string]string{"env": "test"}})
	must(t, "CreateCertificate", err)
	if !strings.HasSuffix(op.ID, "/certificates/"+name+"/pending") {
		t.Errorf("operation id %q", op.ID)
	}
	cert, err := client.WaitForCertificate(ctx, name, 30*time.Second)
	must(t, "WaitForCertificate", err)
	if cert.Subject != "CN=go.example" || cert.Issuer != "CN=go.example" || cert.Tags["env"] != "test" {
		t.Errorf("certificate %+v", cert)
	}
	if len(cert.SubjectAlternativeNames) != 1 || cert.SubjectAlternativeNames[0] != "DNS:go.example" {
		t.Errorf("SANs %v", cert.SubjectAlternativeNames)
	}
	sum := sha1.Sum(cert.CER)
	if strings.ToUpper(hex.EncodeToString(sum[:])) != cert.Thumbprint {
		t.Errorf("thumbprint %s", cert.Thumbprint)
	}
	// The emulator stores a certificate's secret as base64 JSON {key, cer} labelled PKCS#12, not what
	// the service stores, so the download is checked on the stand-in.
	if !emulator {
		pemBytes, err := client.DownloadCertificate(ctx, name, "", kv.CertificateFormatPEM, "")
		must(t, "DownloadCertificate", err)
		var certBlock, keyBlock *pem.Block
		for rest := pemBytes; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type == "CERTIFICATE" && certBlock == nil {
				certBlock = b
			} else if b.Type == "PRIVATE KEY" {
				keyBlock = b
			}
		}
		if certBlock == nil || keyBlock == nil || !bytes.Equal(certBlock.Bytes, cert.CER) {
			t.Fatalf("downloaded PEM lacks the certificate or key")
		}
		key, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
		must(t, "ParsePKCS8PrivateKey", err)
		parsed, err := x509.ParseCertificate(certBlock.Bytes)
		must(t, "ParseCertificate", err)
		if !key.(*ecdsa.PrivateKey).PublicKey.Equal(parsed.PublicKey) {
			t.Errorf("the key is not the certificate's")
		}
	}
	p, err := client.GetCertificatePolicy(ctx, name)
	must(t, "GetCertificatePolicy", err)
	if p.Subject != "CN=go.example" || p.ContentType != "application/x-pem-file" {
		t.Errorf("policy %+v", p)
	}
	p2, err := client.UpdateCertificatePolicy(ctx, name, kv.CertificatePolicy{ValidityInMonths: 3})
	must(t, "UpdateCertificatePolicy", err)
	// The emulator replaces the policy on PATCH instead of merging it.
	if p2.ValidityInMonths != 3 || (p2.Subject != "CN=go.example" && !emulator) {
		t.Errorf("updated policy %+v", p2)
	}
	_, err = client.DeleteCertificate(ctx, name)
	must(t, "DeleteCertificate", err)
	must(t, "WaitForDeletedCertificate", client.WaitForDeletedCertificate(ctx, name, 30*time.Second))
	must(t, "PurgeDeletedCertificate", client.PurgeDeletedCertificate(ctx, name))
	if _, err := client.GetCertificate(ctx, name, ""); !errors.Is(err, kv.ErrCertificateNotFound) {
		t.Errorf("GetCertificate after purge: %v", err)
	}
}

func TestCertificatePendingMergeImportAndLifecycle(t *testing.T) {
	name := uniqueName("go-merge")
	op, err := client.CreateCertificate(ctx, name, kv.CertificatePolicy{Subject: "CN=merged", IssuerName: "Unknown"}, nil)
	must(t, "CreateCertificate", err)
	csr, err := x509.ParseCertificateRequest(op.CSR)
	must(t, "ParseCertificateRequest", err)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "go test CA"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: csr.Subject, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	signed, err := x509.CreateCertificate(rand.Reader, tmpl, ca, csr.PublicKey, caKey)
	must(t, "CreateCertificate (x509)", err)
	merged, err := client.MergeCertificate(ctx, name, [][]byte{signed}, nil)
	must(t, "MergeCertificate", err)
	if merged.Issuer != "CN=go test CA" || !bytes.Equal(merged.CER, signed) {
		t.Errorf("merged %+v", merged)
	}
	backup, err := client.BackupCertificate(ctx, name)
	must(t, "BackupCertificate", err)
	_, err = client.DeleteCertificate(ctx, name)
	must(t, "DeleteCertificate", err)
	must(t, "WaitForDeletedCertificate", client.WaitForDeletedCertificate(ctx, name, 30*time.Second))
	if _, err := client.GetDeletedCertificate(ctx, name); err != nil {
		t.Errorf("GetDeletedCertificate: %v", err)
	}
	_, err = client.RecoverDeletedCertificate(ctx, name)
	must(t, "RecoverDeletedCertificate", err)
	must(t, "WaitForRecoveredCertificate", client.WaitForRecoveredCertificate(ctx, name, 30*time.Second))
	_, err = client.DeleteCertificate(ctx, name)
	must(t, "DeleteCertificate", err)
	must(t, "WaitForDeletedCertificate", client.WaitForDeletedCertificate(ctx, name, 30*time.Second))
	must(t, "PurgeDeletedCertificate", client.PurgeDeletedCertificate(ctx, name))
	restored, err := client.RestoreCertificate(ctx, backup)
	must(t, "RestoreCertificate", err)
	if restored.Name != name {
		t.Errorf("restored %q", restored.Name)
	}
	no := false
	// An explicit version: the emulator answers 405 to PATCH with an empty version segment.
	upd, err := client.UpdateCertificateProperties(ctx, name, restored.Version, kv.CertificateOptions{Enabled: &no})
	must(t, "UpdateCertificateProperties", err)
	if upd.Enabled {
		t.Errorf("still enabled")
	}
	it, err := client.ListCertificateVersions(ctx, name)
	must(t, "ListCertificateVersions", err)
	n := 0
	for it.Next() {
		n++
	}
	must(t, "iterate", it.Err())
	if n != 1 {
		t.Errorf("%d versions", n)
	}

	// A PEM without a key is refused before anything is sent.
	_, err = client.ImportCertificate(ctx, uniqueName("go-nokey"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signed}), "", nil, nil)
	if !errors.Is(err, kv.ErrInvalidArgument) {
		t.Errorf("import without key: %v", err)
	}
	other := uniqueName("go-cancel")
	_, err = client.CreateCertificate(ctx, other, kv.CertificatePolicy{Subject: "CN=c", IssuerName: "Unknown"}, nil)
	must(t, "CreateCertificate", err)
	cancelled, err := client.CancelCertificateOperation(ctx, other)
	must(t, "CancelCertificateOperation", err)
	if !cancelled.CancellationRequested {
		t.Errorf("not cancelled")
	}
	_, err = client.GetCertificateOperation(ctx, other)
	must(t, "GetCertificateOperation", err)
	_, err = client.DeleteCertificateOperation(ctx, other)
	must(t, "DeleteCertificateOperation", err)
	lit, err := client.ListCertificates(ctx, true)
	must(t, "ListCertificates", err)
	for lit.Next() {
	}
	must(t, "iterate", lit.Err())
	dit, err := client.ListDeletedCertificates(ctx, false)
	must(t, "ListDeletedCertificates", err)
	for dit.Next() {
	}
	must(t, "iterate", dit.Err())
}

func TestCertificateIssuersAndContacts(t *testing.T) {
	name := uniqueName("go-issuer")
	iss, err := client.SetCertificateIssuer(ctx, name, kv.IssuerOptions{Provider: "Test", AccountID: "acct", Password: "pw", OrganizationID: "org", Admins: []kv.IssuerAdmin{{FirstName: "A", Email: "a@example.com"}}})
	must(t, "SetCertificateIssuer", err)
	if iss.Name != name || iss.Provider != "Test" || iss.AccountID != "acct" || iss.OrganizationID != "org" {
		t.Errorf("issuer %+v", iss)
	}
	no := false
	upd, err := client.UpdateCertificateIssuer(ctx, name, kv.IssuerOptions{Enabled: &no})
	must(t, "UpdateCertificateIssuer", err)
	if upd.Enabled {
		t.Errorf("issuer still enabled")
	}
	_, err = client.GetCertificateIssuer(ctx, name)
	must(t, "GetCertificateIssuer", err)
	it, err := client.ListCertificateIssuers(ctx)
	must(t, "ListCertificateIssuers", err)
	found := false
	for it.Next() {
		found = found || it.Item().Name == name
	}
	must(t, "iterate", it.Err())
	if !found {
		t.Errorf("issuer not listed")
	}
	_, err = client.DeleteCertificateIssuer(ctx, name)
	must(t, "DeleteCertificateIssuer", err)
	contacts := []kv.Contact{{Email: "ops@example.com", Name: "Ops"}}
	set, err := client.SetCertificateContacts(ctx, contacts)
	must(t, "SetCertificateContacts", err)
	got, err := client.GetCertificateContacts(ctx)
	must(t, "GetCertificateContacts", err)
	del, err := client.DeleteCertificateContacts(ctx)
	must(t, "DeleteCertificateContacts", err)
	for _, l := range [][]kv.Contact{set, got, del} {
		if len(l) != 1 || l[0] != contacts[0] {
			t.Errorf("contacts %+v", l)
		}
	}
}
