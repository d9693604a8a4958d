//! Certificates against real vaults: every certificate operation of the Rust core against the
//! local stand-in vault (tools/testvault), and the same scenarios against the independent vault
//! emulator (with the cargo feature `emulator-tests` and the KV_EMU_* variables set, as the
//! emulator stage of scripts/test.sh does). What kv downloads is checked with the `openssl` command-line tool.

mod support;

use kv::auth::credential::Credential;
use kv::auth::static_token::StaticToken;
use kv::certificates::*;
use kv::model::certificate::Contact;
use kv::ErrorKind;
use kv::{Client, ClientOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::local_vault::{unique, vault};

const WAIT: Duration = Duration::from_secs(30);

/// Where a vault is known to differ from the real service (checked in its source), so a scenario
/// skips only that one assertion there.
#[derive(Clone, Copy)]
struct Vault {
    /// The certificate's secret is real PEM / PKCS#12. The emulator stores base64 JSON
    /// `{"key","cer"}` with content type PKCS#12 (internal/vault/certs.go `materialize`).
    real_secret: bool,
    /// PATCH policy / PATCH issuer merge into what is there (the emulator replaces).
    patch_merges: bool,
    /// GET /certificates?includePending=true lists pending-only certificates, and the service
    /// judges the subject (the emulator does neither).
    strict: bool,
}

const LOCAL: Vault = Vault { real_secret: true, patch_merges: true, strict: true };
#[cfg(feature = "emulator-tests")]
const EMULATOR: Vault = Vault { real_secret: false, patch_merges: false, strict: false };

fn local() -> Client {
    let v = vault();
    let mut options = ClientOptions::default();
    options.pipeline.transport.ca_file = Some(v.ca_file.clone());
    Client::new(&v.url, Credential::new(StaticToken::new(&v.token, None).unwrap()), &options).unwrap()
}

/// The independent emulator, from KV_EMU_* (see ../shared/vault-emulators/README.md).
#[cfg(feature = "emulator-tests")]
fn emulator() -> Client {
    use kv::auth::client_secret::ClientSecretCredential;
    use kv::auth::options::CredentialOptions;
    let var = |n: &str| {
        std::env::var(n)
            .unwrap_or_else(|_| panic!("{n} is not set: source /tmp/emu.env (or start the emulators) first"))
    };
    let ca = var("KV_EMU_CA_FILE");
    let cred_options = CredentialOptions {
        authority_host: Some(var("KV_EMU_AUTHORITY_HOST")),
        ca_file: Some(ca.clone()),
        ..CredentialOptions::default()
    };
    let credential = ClientSecretCredential::new(
        &var("KV_EMU_TENANT_ID"),
        &var("KV_EMU_CLIENT_ID"),
        &var("KV_EMU_CLIENT_SECRET"),
        &cred_options,
    )
    .unwrap();
    let mut options = ClientOptions::default();
    options.pipeline.transport.ca_file = Some(ca);
    Client::new(&var("KV_EMU_VAULT_URL"), Credential::new(credential), &options).unwrap()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(unique(&format!("kv-cert-{tag}")));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.0.join(name)).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// openssl reads the PEM's certificate and key, and the key is the certificate's.
fn assert_openssl_accepts_pem(pem: &[u8], expected_subject_cn: &str) {
    let dir = TempDir::new("pem");
    let file = dir.write("c.pem", pem);
    let subject = String::from_utf8(openssl(&["x509", "-in", &file, "-noout", "-subject"], &dir.0)).unwrap();
    assert!(subject.contains(expected_subject_cn), "{subject}");
    let from_cert = openssl(&["x509", "-in", &file, "-noout", "-pubkey"], &dir.0);
    let from_key = openssl(&["pkey", "-in", &file, "-pubout"], &dir.0);
    assert_eq!(from_cert, from_key, "the private key matches the certificate's public key");
}

fn cleanup(c: &Client, name: &str) {
    let _ = c.delete_certificate(name);
    let _ = c.wait_for_deleted_certificate(name, WAIT);
    let _ = c.purge_deleted_certificate(name);
}

// --- scenarios, run against both vaults -------------------------------------------------------

fn self_signed_create_wait_download(v: Vault, c: &Client, content_type: &str) {
    let name = unique("selfsigned");
    let policy = PolicyBuilder::new(&format!("CN={name}.example"))
        .dns_name(&format!("{name}.example"))
        .dns_name("localhost")
        .key_type("RSA")
        .key_size(2048)
        .content_type(content_type)
        .validity_months(6)
        .eku("1.3.6.1.5.5.7.3.1")
        .action_days_before_expiry("EmailContacts", 30)
        .build()
        .unwrap();
    let op = c
        .create_certificate(
            &name,
            &policy,
            &CertificateProperties { enabled: Some(true), tags: Some([("env".into(), "test".into())].into()) },
        )
        .unwrap();
    assert!(op.id.as_deref().unwrap_or("").ends_with(&format!("/certificates/{name}/pending")), "{:?}", op.id);
    let cert = c.wait_for_certificate(&name, WAIT).unwrap();
    assert_eq!(cert.name, name);
    assert_eq!(cert.version.len(), 32);
    let info = cert.info().unwrap();
    assert_eq!(info.subject, format!("CN={name}.example"));
    assert_eq!(info.issuer, info.subject, "self-signed");
    assert!(info.dns_names.contains(&"localhost".to_owned()), "{:?}", info.dns_names);
    let months = (info.not_after - info.not_before) / (86_400 * 28);
    assert!((5..=7).contains(&months), "about six months of validity, got {months}");
    assert_eq!(
        cert.bundle.x5t.as_ref().unwrap().0.iter().map(|b| format!("{b:02X}")).collect::<String>(),
        info.thumbprint
    );
    assert_eq!(cert.bundle.tags.as_ref().unwrap()["env"], "test");

    let key = c.get_key(&name, &cert.version).unwrap();
    assert_eq!(
        (key.name().as_str(), key.version().as_str()),
        (name.as_str(), cert.version.as_str()),
        "the backing key is a key of the vault"
    );

    let with_key = c.download_certificate(&name, &cert.version).unwrap();
    if !v.real_secret {
        cleanup(c, &name);
        return;
    }
    assert_eq!(with_key.content_type, content_type);
    let parts = with_key.parts().unwrap();
    assert_eq!(parts.chain[0], cert.der(), "the secret holds the same certificate");
    assert_openssl_accepts_pem(&with_key.to_pem().unwrap(), &format!("CN = {name}.example"));
    let dir = TempDir::new("p12");
    let p12 = dir.write("c.p12", &with_key.to_pkcs12("pw").unwrap());
    openssl(&["pkcs12", "-in", &p12, "-passin", "pass:pw", "-nodes", "-out", "back.pem"], &dir.0);
    assert_openssl_accepts_pem(&dir.read("back.pem"), &format!("CN = {name}.example"));

    let policy_back = c.get_certificate_policy(&name).unwrap();
    assert_eq!(
        policy_back.x509_props.as_ref().unwrap().subject.as_deref(),
        Some(format!("CN={name}.example").as_str())
    );
    assert_eq!(policy_back.secret_props.as_ref().unwrap().content_type.as_deref(), Some(content_type));
    cleanup(c, &name);
}

fn versions_update_policy_and_lists(v: Vault, c: &Client) {
    let name = unique("versions");
    let policy = PolicyBuilder::new("CN=versions").key_type("EC").curve("P-256").build().unwrap();
    c.create_certificate(&name, &policy, &CertificateProperties::default()).unwrap();
    let v1 = c.wait_for_certificate(&name, WAIT).unwrap();
    c.create_certificate(&name, &policy, &CertificateProperties::default()).unwrap();
    let v2 = c.wait_for_certificate(&name, WAIT).unwrap();
    assert_ne!(v1.version, v2.version);
    assert_eq!(c.get_certificate(&name, "").unwrap().version, v2.version, "latest");
    assert_eq!(c.get_certificate(&name, &v1.version).unwrap().der(), v1.der());

    let mut versions = Vec::new();
    let mut pager = c.list_certificate_versions(&name).unwrap();
    while let Some(item) = pager.next_item().unwrap() {
        versions.push(item.version);
    }
    assert!(versions.contains(&v1.version) && versions.contains(&v2.version), "{versions:?}");
    let mut names = Vec::new();
    let mut pager = c.list_certificates(false);
    while let Some(item) = pager.next_item().unwrap() {
        names.push(item.name.to_string());
    }
    assert!(names.contains(&name));

    let updated = c
        .update_certificate_properties(
            &name,
            &v2.version,
            &CertificateProperties { enabled: Some(false), tags: Some([("k".into(), "v".into())].into()) },
        )
        .unwrap();
    assert_eq!(updated.bundle.attributes.enabled, Some(false));
    assert_eq!(updated.bundle.tags.as_ref().unwrap()["k"], "v");

    let new_policy =
        PolicyBuilder::empty().validity_months(3).action_at_percentage("EmailContacts", 50).build().unwrap();
    let p = c.update_certificate_policy(&name, &new_policy).unwrap();
    assert_eq!(p.x509_props.as_ref().unwrap().validity_months, Some(3));
    if v.patch_merges {
        assert_eq!(p.x509_props.as_ref().unwrap().subject.as_deref(), Some("CN=versions"), "unset members are kept");
    }
    assert_eq!(c.get_certificate_policy(&name).unwrap().x509_props.unwrap().validity_months, Some(3));
    cleanup(c, &name);
}

fn pending_merge_with_a_test_ca(v: Vault, c: &Client) {
    let name = unique("merge");
    let policy = PolicyBuilder::new(&format!("CN={name}"))
        .issuer("Unknown")
        .dns_name("merge.example")
        .content_type(CONTENT_TYPE_PEM)
        .build()
        .unwrap();
    let op = c.create_certificate(&name, &policy, &CertificateProperties::default()).unwrap();
    let csr = op.csr.as_ref().expect("a CSR for the Unknown issuer").0.clone();
    let pending = c.get_certificate_operation(&name).unwrap();
    assert_eq!(pending.status.as_deref(), Some("inProgress"));
    let e = c.wait_for_certificate(&name, Duration::from_millis(500)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{}", e.message);

    let mut pending_names = Vec::new();
    let mut pager = c.list_certificates(true);
    while let Some(item) = pager.next_item().unwrap() {
        pending_names.push(item.name.to_string());
    }
    assert!(pending_names.contains(&name) || !v.strict, "includePending lists the pending certificate");

    // A test CA signs the CSR; a certificate for another key is refused.
    let dir = TempDir::new("ca");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=kv test CA",
            "-days",
            "2",
        ],
        &dir.0,
    );
    dir.write("req.der", &csr);
    openssl(
        &[
            "x509",
            "-req",
            "-inform",
            "DER",
            "-in",
            "req.der",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-outform",
            "DER",
            "-out",
            "signed.der",
        ],
        &dir.0,
    );
    let signed = dir.read("signed.der");
    let ca_der = openssl(&["x509", "-in", "ca.pem", "-outform", "DER"], &dir.0);
    let wrong = c.merge_certificate(&name, &[&ca_der], &CertificateProperties::default()).unwrap_err();
    assert!(wrong.kind == ErrorKind::BadParameter || wrong.kind == ErrorKind::BadRequest, "{wrong:?}");

    let merged = c.merge_certificate(&name, &[&signed, &ca_der], &CertificateProperties::default()).unwrap();
    assert_eq!(merged.der(), signed.as_slice());
    let info = merged.info().unwrap();
    assert_eq!(info.issuer, "CN=kv test CA");
    let done = c.wait_for_certificate(&name, WAIT).unwrap();
    assert_eq!(done.der(), signed.as_slice());
    let with_key = c.download_certificate(&name, "").unwrap();
    if v.real_secret {
        let parts = with_key.parts().unwrap();
        assert!(parts.chain.iter().any(|d| d == &signed), "the merged certificate is downloadable with its key");
        assert_openssl_accepts_pem(&with_key.to_pem().unwrap(), &format!("CN = {name}"));
    }
    cleanup(c, &name);
}

fn cancel_and_delete_pending(_v: Vault, c: &Client) {
    let name = unique("cancel");
    let policy = PolicyBuilder::new("CN=cancel").issuer("Unknown").build().unwrap();
    c.create_certificate(&name, &policy, &CertificateProperties::default()).unwrap();
    let op = c.cancel_certificate_operation(&name).unwrap();
    assert_eq!(op.cancellation_requested, Some(true));
    let deleted = c.delete_certificate_operation(&name).unwrap();
    assert!(deleted.id.is_some());
    let e = c.get_certificate_operation(&name).unwrap_err();
    assert_eq!(e.http_status, 404, "{e:?}");
    cleanup(c, &name);
}

fn import_pem_and_pkcs12_made_by_openssl(v: Vault, c: &Client) {
    let dir = TempDir::new("import");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-subj",
            "/CN=imported",
            "-days",
            "5",
        ],
        &dir.0,
    );
    let mut pem = dir.read("k.pem");
    pem.extend_from_slice(&dir.read("c.pem"));
    let cert_der = openssl(&["x509", "-in", "c.pem", "-outform", "DER"], &dir.0);
    let key_der = openssl(&["pkey", "-in", "k.pem", "-outform", "DER"], &dir.0);

    let name = unique("importpem");
    let imported = c.import_certificate(&name, &pem, None, None, &CertificateProperties::default()).unwrap();
    assert_eq!(imported.der(), cert_der.as_slice());
    let back = c.download_certificate(&name, "").unwrap();
    if v.real_secret {
        assert_eq!(back.content_type, CONTENT_TYPE_PEM);
        let parts = back.parts().unwrap();
        assert_eq!(parts.chain[0], cert_der);
        dir.write("back.key.der", &parts.private_key);
        assert_eq!(
            openssl(&["pkey", "-inform", "DER", "-in", "back.key.der", "-outform", "DER"], &dir.0),
            key_der,
            "the key comes back equal"
        );
    }
    cleanup(c, &name);

    openssl(
        &["pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-passout", "pass:s3cret-pw", "-out", "c.p12"],
        &dir.0,
    );
    let p12 = dir.read("c.p12");
    let name = unique("importp12");
    let wrong = c
        .import_certificate(&name, &p12, Some("not-the-password"), None, &CertificateProperties::default())
        .unwrap_err();
    assert!(wrong.kind == ErrorKind::BadParameter || wrong.kind == ErrorKind::BadRequest, "{wrong:?}");
    assert!(!wrong.message.contains("not-the-password"), "the password is never quoted: {}", wrong.message);
    assert_eq!(c.get_certificate(&name, "").unwrap_err().kind, ErrorKind::CertificateNotFound, "nothing half-created");

    let imported =
        c.import_certificate(&name, &p12, Some("s3cret-pw"), None, &CertificateProperties::default()).unwrap();
    assert_eq!(imported.der(), cert_der.as_slice());
    let back = c.download_certificate(&name, "").unwrap();
    if v.real_secret {
        assert_eq!(back.content_type, CONTENT_TYPE_PKCS12);
        let parts = back.parts().unwrap();
        assert_eq!(parts.chain[0], cert_der, "the certificate comes back equal");
        dir.write("back2.key.der", &parts.private_key);
        assert_eq!(
            openssl(&["pkey", "-inform", "DER", "-in", "back2.key.der", "-outform", "DER"], &dir.0),
            key_der,
            "the key comes back equal"
        );
    }
    cleanup(c, &name);

    // A PEM without a key is refused before anything is sent.
    let name = unique("nokey");
    let e = c.import_certificate(&name, &dir.read("c.pem"), None, None, &CertificateProperties::default()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("no private key"), "{}", e.message);
}

fn refused_policy_creates_nothing(v: Vault, c: &Client) {
    if !v.strict {
        return; // the emulator accepts any subject text
    }
    let name = unique("refused");
    let policy = PolicyBuilder::new("this is not a distinguished name").build().unwrap();
    let e = c.create_certificate(&name, &policy, &CertificateProperties::default()).unwrap_err();
    assert!(e.kind == ErrorKind::BadParameter || e.kind == ErrorKind::BadRequest, "{e:?}");
    assert!(e.message.contains(&format!("create certificate '{name}'")), "{}", e.message);
    assert_eq!(c.get_certificate(&name, "").unwrap_err().kind, ErrorKind::CertificateNotFound, "nothing half-created");
    assert_eq!(
        PolicyBuilder::new("CN=x").key_size(1024).build().unwrap_err().kind,
        ErrorKind::InvalidArgument,
        "kv refuses it locally too"
    );
}

fn delete_recover_purge_backup_restore(_v: Vault, c: &Client) {
    let name = unique("lifecycle");
    c.create_certificate(
        &name,
        &PolicyBuilder::new("CN=lifecycle").build().unwrap(),
        &CertificateProperties::default(),
    )
    .unwrap();
    let cert = c.wait_for_certificate(&name, WAIT).unwrap();
    let backup = c.backup_certificate(&name).unwrap();
    assert!(!backup.is_empty());

    let deleted = c.delete_certificate(&name).unwrap();
    assert!(deleted.bundle.recovery_id.as_deref().unwrap_or("").contains(&format!("/deletedcertificates/{name}")));
    c.wait_for_deleted_certificate(&name, WAIT).unwrap();
    let got = c.get_deleted_certificate(&name).unwrap();
    assert!(got.bundle.scheduled_purge_date.unwrap_or(0) > 0);
    let mut found = false;
    let mut pager = c.list_deleted_certificates(false);
    while let Some(item) = pager.next_item().unwrap() {
        found |= item.name == name;
    }
    assert!(found, "the deleted certificate is listed");

    c.recover_deleted_certificate(&name).unwrap();
    c.wait_for_recovered_certificate(&name, WAIT).unwrap();
    assert_eq!(c.get_certificate(&name, "").unwrap().der(), cert.der());

    c.delete_certificate(&name).unwrap();
    c.wait_for_deleted_certificate(&name, WAIT).unwrap();
    c.purge_deleted_certificate(&name).unwrap();
    assert_eq!(c.get_deleted_certificate(&name).unwrap_err().kind, ErrorKind::CertificateNotFound);
    // Purge may finish asynchronously on a real vault; retry the restore briefly.
    let deadline = std::time::Instant::now() + WAIT;
    let restored = loop {
        match c.restore_certificate(&backup) {
            Ok(r) => break r,
            Err(e) if e.http_status == 409 && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(300))
            }
            Err(e) => panic!("{e:?}"),
        }
    };
    assert_eq!(restored.name, name);
    assert_eq!(c.get_certificate(&name, "").unwrap().der(), cert.der());
    cleanup(c, &name);
}

fn issuers_and_contacts(v: Vault, c: &Client) {
    let issuer = unique("issuer");
    let options = IssuerOptions {
        provider: Some("Test".into()),
        account_id: Some("acct".into()),
        password: Some(zeroize::Zeroizing::new("pw".into())),
        organization_id: Some("org".into()),
        enabled: Some(true),
        ..IssuerOptions::default()
    };
    let set = c.set_certificate_issuer(&issuer, &options).unwrap();
    assert_eq!(set.name, issuer);
    assert_eq!(set.bundle.provider.as_deref(), Some("Test"));
    let got = c.get_certificate_issuer(&issuer).unwrap();
    assert_eq!(got.bundle.credentials.as_ref().and_then(|c| c.account_id.as_deref()), Some("acct"));
    let updated = c
        .update_certificate_issuer(&issuer, &IssuerOptions { enabled: Some(false), ..IssuerOptions::default() })
        .unwrap();
    assert_eq!(updated.bundle.attributes.as_ref().and_then(|a| a.enabled), Some(false));
    if v.patch_merges {
        assert_eq!(updated.bundle.provider.as_deref(), Some("Test"), "update keeps what it does not set");
    }
    let mut listed = Vec::new();
    let mut pager = c.list_certificate_issuers();
    while let Some(item) = pager.next_item().unwrap() {
        listed.push(item.name.to_string());
    }
    assert!(listed.contains(&issuer), "{listed:?}");
    c.delete_certificate_issuer(&issuer).unwrap();
    assert_eq!(c.get_certificate_issuer(&issuer).unwrap_err().http_status, 404);
    assert_eq!(
        c.set_certificate_issuer(&issuer, &IssuerOptions::default()).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );

    let contacts = vec![Contact {
        email: Some("ops@example.com".into()),
        name: Some("Ops".into()),
        phone: Some("555-0100".into()),
    }];
    assert_eq!(c.set_certificate_contacts(&contacts).unwrap(), contacts);
    assert_eq!(c.get_certificate_contacts().unwrap(), contacts);
    assert_eq!(c.delete_certificate_contacts().unwrap(), contacts);
    assert!(
        c.get_certificate_contacts().map(|c| c.is_empty()).unwrap_or_else(|e| e.http_status == 404),
        "no contacts left"
    );
}

// --- the local stand-in vault -----------------------------------------------------------------

#[test]
fn local_self_signed_pem() {
    self_signed_create_wait_download(LOCAL, &local(), CONTENT_TYPE_PEM);
}

#[test]
fn local_self_signed_pkcs12() {
    self_signed_create_wait_download(LOCAL, &local(), CONTENT_TYPE_PKCS12);
}

#[test]
fn local_versions_update_policy_and_lists() {
    versions_update_policy_and_lists(LOCAL, &local());
}

#[test]
fn local_pending_merge_with_a_test_ca() {
    pending_merge_with_a_test_ca(LOCAL, &local());
}

#[test]
fn local_cancel_and_delete_pending() {
    cancel_and_delete_pending(LOCAL, &local());
}

#[test]
fn local_import_pem_and_pkcs12() {
    import_pem_and_pkcs12_made_by_openssl(LOCAL, &local());
}

#[test]
fn local_refused_policy_creates_nothing() {
    refused_policy_creates_nothing(LOCAL, &local());
}

#[test]
fn local_delete_recover_purge_backup_restore() {
    delete_recover_purge_backup_restore(LOCAL, &local());
}

#[test]
fn local_issuers_and_contacts() {
    issuers_and_contacts(LOCAL, &local());
}

#[test]
fn local_failed_operation_error_is_mapped_like_a_service_error() {
    let c = local();
    let issuer = unique("unreachable");
    c.set_certificate_issuer(&issuer, &IssuerOptions { provider: Some("NoSuchCA".into()), ..IssuerOptions::default() })
        .unwrap();
    let name = unique("failing");
    c.create_certificate(
        &name,
        &PolicyBuilder::new("CN=failing").issuer(&issuer).build().unwrap(),
        &CertificateProperties::default(),
    )
    .unwrap();
    let e = c.wait_for_certificate(&name, WAIT).unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadParameter, "{e:?}");
    assert_eq!(e.service_code, "BadParameter");
    assert!(e.message.contains("cannot be reached") && e.message.contains(&name), "{}", e.message);
    c.delete_certificate_issuer(&issuer).unwrap();
    cleanup(&c, &name);
}

// --- the independent emulator (feature emulator-tests, KV_EMU_* set) ------------------------------

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_self_signed_pem_and_pkcs12() {
    let c = emulator();
    self_signed_create_wait_download(EMULATOR, &c, CONTENT_TYPE_PEM);
    self_signed_create_wait_download(EMULATOR, &c, CONTENT_TYPE_PKCS12);
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_versions_update_policy_and_lists() {
    versions_update_policy_and_lists(EMULATOR, &emulator());
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_pending_merge_with_a_test_ca() {
    pending_merge_with_a_test_ca(EMULATOR, &emulator());
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_cancel_and_delete_pending() {
    cancel_and_delete_pending(EMULATOR, &emulator());
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_import_pem_and_pkcs12() {
    import_pem_and_pkcs12_made_by_openssl(EMULATOR, &emulator());
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_refused_policy_creates_nothing() {
    refused_policy_creates_nothing(EMULATOR, &emulator());
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_delete_recover_purge_backup_restore() {
    delete_recover_purge_backup_restore(EMULATOR, &emulator());
}

#[test]
#[cfg(feature = "emulator-tests")]
fn emulator_issuers_and_contacts() {
    issuers_and_contacts(EMULATOR, &emulator());
}
