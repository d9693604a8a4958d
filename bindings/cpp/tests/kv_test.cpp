// kv_test.cpp - tests of the C++ binding (include/kv.hpp) against a running vault.
//
// Self-contained: a tiny assertion harness, no test framework. Each test prints "ok" or "FAIL"
// (with the failed checks), or "skip" with the reason, and the program ends with the line
// "N passed, M failed, K skipped"; the exit
// status is non-zero when any test failed.
//
// Environment (as for the C examples):
//   KV_VAULT_URL   the vault (required), e.g. https://localhost:8443 from tools/testvault
//   KV_CA_FILE     CA certificate file of the vault (optional)
//   KV_TOKEN       bearer token (default "local-dev-token"; run_tests.sh seeds the local vault with a
//                  random one and sets it here: the stand-in accepts no other static token)
//   KV_VERIFY_CHALLENGE_RESOURCE=0   emulators only
//   KV_TEST_PAGE_SIZE  the vault's list page size (bindings/cpp/run_tests.sh starts it with 3);
//                      the paging tests create more items than 2 pages hold
//   KV_EXPECT_AES=1    AES (oct-HSM) keys must work (the local vault supports them); else an
//                      AES refusal skips those checks
//
// Build (bindings/cpp/run_tests.sh does this):
//   g++ -std=c++17 -Wall -Wextra -Werror -Iinclude bindings/cpp/tests/kv_test.cpp
//       target/release/libkv.a -lpthread -ldl -lm -o kv_test

#include "kv.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <iostream>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <thread>
#include <utility>
#include <vector>

// ---- harness ---------------------------------------------------------------------------------

namespace harness {

struct Abort {};  // thrown by REQUIRE to end the current test

int failures_in_test = 0;
std::string skipped_because;  // set by SKIP: the test did not run its checks, and says why

struct Skip {};  // thrown by SKIP to end the current test as skipped

inline void fail(const char* file, int line, const std::string& what) {
    ++failures_in_test;
    std::cout << "    " << file << ":" << line << ": check failed: " << what << "\n";
}

template <typename A, typename B>
std::string show(const A& a, const B& b) {
    std::ostringstream os;
    os << "[" << a << "] vs [" << b << "]";
    return os.str();
}

struct Test {
    const char* name;
    void (*fn)();
};

std::vector<Test>& registry() {
    static std::vector<Test> tests;
    return tests;
}

struct Register {
    Register(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

}  // namespace harness

#define CHECK(cond)                                          \
    do {                                                     \
        if (!(cond)) {                                       \
            harness::fail(__FILE__, __LINE__, #cond);        \
        }                                                    \
    } while (0)

#define REQUIRE(cond)                                        \
    do {                                                     \
        if (!(cond)) {                                       \
            harness::fail(__FILE__, __LINE__, #cond);        \
            throw harness::Abort{};                          \
        }                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                                       \
    do {                                                                                     \
        const auto check_eq_a_ = (a); /* copies: (a) may refer into a temporary */          \
        const auto check_eq_b_ = (b);                                                        \
        if (!(check_eq_a_ == check_eq_b_)) {                                                 \
            harness::fail(__FILE__, __LINE__,                                                \
                          std::string(#a " == " #b " ") + harness::show(check_eq_a_, check_eq_b_)); \
        }                                                                                    \
    } while (0)

// Evaluates `expr`, which must throw kv::Error with status `st`; binds the error to `err`
// for further checks in the block that follows.
#define CHECK_THROWS_KV(expr, st, err_block)                                                        \
    do {                                                                                            \
        bool thrown_ = false;                                                                       \
        try {                                                                                       \
            (void)(expr);                                                                           \
        } catch (const kv::Error& err) {                                                            \
            thrown_ = true;                                                                         \
            if (err.status() != (st)) {                                                             \
                harness::fail(__FILE__, __LINE__,                                                   \
                              std::string(#expr " threw status ") + std::to_string(err.status()) + \
                                  " (" + err.what() + "), expected " #st);                         \
            }                                                                                       \
            err_block                                                                               \
        }                                                                                           \
        if (!thrown_) {                                                                             \
            harness::fail(__FILE__, __LINE__, #expr " did not throw kv::Error");                   \
        }                                                                                           \
    } while (0)

// Ends the current test as skipped (counted as such in the closing line, never as passed).
#define SKIP(reason)                              \
    do {                                          \
        harness::skipped_because = (reason);      \
        throw harness::Skip{};                    \
    } while (0)

#define TEST(name)                                                  \
    static void test_##name();                                      \
    static harness::Register register_##name(#name, &test_##name);  \
    static void test_##name()

// ---- fixtures --------------------------------------------------------------------------------

namespace {

std::string env(const char* name, const char* fallback = "") {
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? std::string(v) : std::string(fallback);
}

kv::ClientOptions client_options() {
    kv::ClientOptions opts;
    const std::string ca = env("KV_CA_FILE");
    if (!ca.empty()) {
        opts.set_ca_file(ca);
    }
    if (env("KV_VERIFY_CHALLENGE_RESOURCE") == "0") {
        opts.set_verify_challenge_resource(false);
    }
    return opts;
}

const kv::Client& client() {
    static const kv::Client c(env("KV_VAULT_URL"), kv::Credential::static_token(env("KV_TOKEN", "local-dev-token")),
                              client_options());
    return c;
}

// A fresh object name for this run: cpp-<pid>-<time>-<tag>-<n>.
std::string unique(std::string_view tag) {
    static int counter = 0;
    static const std::string run = std::to_string(static_cast<long>(getpid())) + "-" +
                                   std::to_string(static_cast<long long>(std::time(nullptr)) % 100000);
    return "cpp-" + run + "-" + std::string(tag) + "-" + std::to_string(++counter);
}

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Deletes and purges a secret, ignoring failures (clean-up).
void drop_secret(const std::string& name) {
    if (client().try_delete_secret(name).ok()) {
        (void)client().try_wait_for_deleted_secret(name, std::chrono::seconds(10));
        (void)client().try_purge_deleted_secret(name);
    }
}

void drop_key(const std::string& name) {
    if (client().try_delete_key(name).ok()) {
        (void)client().try_wait_for_deleted_key(name, std::chrono::seconds(10));
        (void)client().try_purge_deleted_key(name);
    }
}

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::uint8_t>(seed + 7 * i);
    }
    return v;
}

std::string text(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

// A loopback port with nothing listening (bound, then closed).
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 1;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

// Test-only key material (generated for these tests; protects nothing).
constexpr std::string_view kEcPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgm9th6JcTFU89xvae\n"
    "nMWtl/vOnhZ7zizgAjoFFkVtpDGhRANCAARcL6pepJsnV4fSNt0hvSnpt/3z5kiT\n"
    "Lk+hzLOUH0KDNEzpJmpVtpojnGy3pszKkz2SLHeeGXnvKnQ+o8n0XLIC\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kEcPrivateJwk =
    R"({"kty":"EC","crv":"P-256","x":"tpooV6teefrxT-Kw1yvblR6fTqrV97rTVKSSSn5Bo0s",)"
    R"("y":"Mj76jZFvTxTKaW1SeFnDPmywJO3Wazx3wnCbevzV5_w","d":"AuvBdck9FMHcyXkLDHFid__DxT9ix3pmwZhTl0uxP9c"})";

}  // namespace

// ---- compile-time properties -----------------------------------------------------------------

template <typename T>
constexpr bool move_only_owner() {
    return !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
           std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T> &&
           std::is_nothrow_default_constructible_v<T>;
}
static_assert(move_only_owner<kv::Client>());
static_assert(move_only_owner<kv::Credential>());
static_assert(move_only_owner<kv::CredentialOptions>());
static_assert(move_only_owner<kv::ClientOptions>());
static_assert(move_only_owner<kv::Secret>());
static_assert(move_only_owner<kv::SecretOptions>());
static_assert(move_only_owner<kv::SecretIterator>());
static_assert(move_only_owner<kv::Key>());
static_assert(move_only_owner<kv::KeyOptions>());
static_assert(move_only_owner<kv::KeyIterator>());
static_assert(move_only_owner<kv::KeyRotationPolicy>());
static_assert(move_only_owner<kv::CryptoParams>());
static_assert(move_only_owner<kv::CryptoResult>());
static_assert(move_only_owner<kv::Blob>());
static_assert(move_only_owner<kv::Certificate>());
static_assert(move_only_owner<kv::CertificatePolicy>());
static_assert(move_only_owner<kv::CertificateIterator>());
static_assert(move_only_owner<kv::Contacts>());
static_assert(move_only_owner<kv::ErrorHandle>());
static_assert(move_only_owner<kv::SecretCache>());
static_assert(move_only_owner<kv::SecretCacheOptions>());
static_assert(std::is_nothrow_copy_constructible_v<kv::Error>);
static_assert(std::is_base_of_v<std::runtime_error, kv::Error>);
static_assert(std::is_same_v<std::iterator_traits<kv::SecretIterator::iterator>::iterator_category,
                             std::input_iterator_tag>);
// Views from an owner, owning copies from a temporary owner.
static_assert(std::is_same_v<decltype(std::declval<const kv::Secret&>().value()), std::string_view>);
static_assert(std::is_same_v<decltype(std::declval<kv::Secret>().value()), std::string>);
static_assert(std::is_same_v<decltype(std::declval<const kv::CryptoResult&>().value()), kv::bytes_view>);
static_assert(std::is_same_v<decltype(std::declval<kv::CryptoResult>().value()), std::vector<std::uint8_t>>);
static_assert(std::is_same_v<decltype(std::declval<kv::Key>().tags()), std::vector<std::pair<std::string, std::string>>>);
static_assert(std::is_same_v<decltype(std::declval<kv::Blob>().text()), std::string>);
static_assert(std::is_convertible_v<std::string, kv::bytes_view>);
static_assert(std::is_convertible_v<std::vector<std::uint8_t>, kv::bytes_view>);
static_assert(!std::is_convertible_v<const char*, kv::bytes_view>);
static_assert(!std::is_convertible_v<std::vector<int>, kv::bytes_view>);

// ---- tests without a request -----------------------------------------------------------------

TEST(library_version_and_status_names) {
    CHECK(!kv::version().empty());
    CHECK_EQ(kv::version(), std::string_view(kv_version()));
    CHECK_EQ(kv::status_str(KV_STATUS_SECRET_NOT_FOUND), std::string_view(kv_status_str(KV_STATUS_SECRET_NOT_FOUND)));
}

TEST(bytes_view_basics) {
    const std::string text("a\0b", 3);
    const kv::bytes_view v(text);
    CHECK_EQ(v.size(), 3u);
    CHECK_EQ(v[1], 0u);
    CHECK_EQ(v.as_string_view(), std::string_view(text));
    const std::vector<std::uint8_t> vec{'a', 0, 'b'};
    CHECK(v == kv::bytes_view(vec));
    CHECK(v != kv::bytes_view(vec.data(), 2));
    CHECK(kv::bytes_view().empty());
    CHECK(kv::bytes_view() == kv::bytes_view(std::string()));
    CHECK_EQ(v.to_vector().size(), 3u);
    CHECK_EQ(v.to_string(), text);
    std::size_t sum = 0;
    for (std::uint8_t b : v) {
        sum += b;
    }
    CHECK_EQ(sum, static_cast<std::size_t>('a' + 'b'));
}

TEST(result_forms) {
    kv::Result<int> good(7);
    CHECK(good.ok());
    CHECK(static_cast<bool>(good));
    CHECK_EQ(good.status(), static_cast<kv_status>(KV_STATUS_OK));
    CHECK_EQ(good.value(), 7);
    CHECK_EQ(*good, 7);
    bool logic = false;
    try {
        (void)good.error();
    } catch (const std::logic_error&) {
        logic = true;
    }
    CHECK(logic);

    kv::Result<int> bad(kv::Error(KV_STATUS_INVALID_ARGUMENT, "nope"));
    CHECK(!bad.ok());
    CHECK_EQ(bad.status(), static_cast<kv_status>(KV_STATUS_INVALID_ARGUMENT));
    CHECK_EQ(bad.error().message(), "nope");
    CHECK_EQ(std::move(bad).value_or(3), 3);
    CHECK_THROWS_KV(kv::Result<int>(kv::Error(KV_STATUS_INTERNAL, "x")).value(), KV_STATUS_INTERNAL, {});

    kv::Result<void> vok;
    CHECK(vok.ok());
    vok.value();
    kv::Result<void> verr(kv::Error(KV_STATUS_TIMEOUT, ""));
    CHECK(!verr.ok());
    CHECK_EQ(verr.error().message(), std::string_view(kv_status_str(KV_STATUS_TIMEOUT)));
    CHECK_THROWS_KV(verr.value(), KV_STATUS_TIMEOUT, {});
}

TEST(settings_errors_both_forms) {
    kv::ClientOptions opts;
    CHECK(!opts);  // allocated by the first setter
    auto r = opts.try_set_ca_file("/nonexistent/kv-cpp-test-ca.pem");
    CHECK(!r.ok());
    CHECK_EQ(r.status(), static_cast<kv_status>(KV_STATUS_FILE_ERROR));
    CHECK(opts);
    CHECK_THROWS_KV(opts.set_ca_file("/nonexistent/kv-cpp-test-ca.pem"), KV_STATUS_FILE_ERROR, {
        CHECK(err.code().empty());
        CHECK_EQ(err.http_status(), 0u);
    });
    CHECK_THROWS_KV(opts.set_connect_timeout_ms(0), KV_STATUS_INVALID_ARGUMENT, {});
    opts.set_connect_timeout_ms(5000).set_read_timeout_ms(5000).set_call_timeout_ms(20000).set_max_retries(1)
        .set_retry_delay_ms(10, 100).set_method_override(false).set_allow_insecure_http(false).set_api_version(
            "2025-07-01");

    kv::KeyOptions ko;
    CHECK_THROWS_KV(ko.add_operation("fly"), KV_STATUS_INVALID_ARGUMENT, {});
    CHECK_THROWS_KV(ko.set_curve(static_cast<kv::KeyCurve>(99)), KV_STATUS_INVALID_ARGUMENT, {});

    kv::SecretOptions so;
    auto tag = so.try_set_tag(std::string_view("a\0b", 3), "v");  // NUL byte: refused by the binding
    CHECK_EQ(tag.status(), static_cast<kv_status>(KV_STATUS_INVALID_ARGUMENT));

    kv::KeyRotationPolicy p;
    CHECK_THROWS_KV(p.add_action(kv::KeyRotationAction::Rotate, "P30D", "P30D"), KV_STATUS_INVALID_ARGUMENT, {});
}

// A listener that accepts TCP connections and never answers: a TLS handshake with it waits.
class SilentServer {
public:
    SilentServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("SilentServer: cannot listen");
        }
        port_ = ntohs(addr.sin_port);
    }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    ~SilentServer() { ::close(fd_); }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

TEST(call_context_cancel_from_another_thread_and_deadline) {
    using namespace std::chrono_literals;
    SilentServer silent;
    kv::ClientOptions opts;
    opts.set_max_retries(0).set_connect_timeout(20s).set_read_timeout(20s).set_call_timeout(30s);
    const kv::Client slow(silent.url(), kv::Credential::static_token("t"), opts);

    // Cancelled from another thread while waiting for the server.
    const kv::CallContext ctx = kv::CallContext::create();
    const kv::Client cancellable = slow.with_context(ctx);
    std::chrono::steady_clock::time_point cancelled_at;
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        cancelled_at = std::chrono::steady_clock::now();
        ctx.cancel();
    });
    const auto r = cancellable.try_get_secret("s");
    const auto returned = std::chrono::steady_clock::now();
    canceller.join();
    CHECK(!r.ok());
    CHECK_EQ(r.status(), static_cast<kv_status>(KV_STATUS_CANCELLED));
    CHECK(ctx.is_cancelled());
    CHECK(returned - cancelled_at < 500ms);
    // Later calls under the cancelled context fail at once.
    CHECK_THROWS_KV(cancellable.get_secret("s"), KV_STATUS_CANCELLED, {});

    // A deadline as a std::chrono duration ends the call with KV_STATUS_TIMEOUT.
    const auto started = std::chrono::steady_clock::now();
    CHECK_THROWS_KV(slow.with_timeout(300ms).get_secret("s"), KV_STATUS_TIMEOUT, {});
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    const kv::CallContext at = kv::CallContext::create();
    at.set_deadline(std::chrono::steady_clock::now() + 200ms);
    CHECK_THROWS_KV(slow.with_context(at).get_secret("s"), KV_STATUS_TIMEOUT, {});
}

TEST(client_construction_errors) {
    const kv::Credential cred = kv::Credential::static_token("t");
    auto r = kv::Client::try_create("http://localhost:8080", cred);
    CHECK(!r.ok());
    CHECK_EQ(r.status(), static_cast<kv_status>(KV_STATUS_INSECURE_TRANSPORT));
    CHECK_THROWS_KV(kv::Client("not a url", cred), KV_STATUS_INVALID_URL, {});
    CHECK_THROWS_KV(kv::Credential::static_token(""), KV_STATUS_INVALID_ARGUMENT, {});
    // A moved-from (NULL) credential is a NULL argument, never a crash.
    kv::Credential empty;
    CHECK_THROWS_KV(kv::Client("https://localhost:1", empty), KV_STATUS_NULL_ARGUMENT, {});
}

// Removes environment variables for its lifetime and restores them afterwards.
class EnvGuard {
public:
    explicit EnvGuard(std::initializer_list<const char*> names) {
        for (const char* n : names) {
            const char* v = std::getenv(n);
            saved_.emplace_back(n, v != nullptr ? std::optional<std::string>(v) : std::nullopt);
            ::unsetenv(n);
        }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;
    void set(const char* name, const std::string& value) {
        saved_.emplace_back(name, std::getenv(name) != nullptr ? std::optional<std::string>(std::getenv(name)) : std::nullopt);
        ::setenv(name, value.c_str(), 1);
    }
    ~EnvGuard() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second) {
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            } else {
                ::unsetenv(it->first.c_str());
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The managed identity credential against the local vault's App Service token endpoint
// (KV_TEST_IDENTITY_ENDPOINT, set by run_tests.sh): the stand-in accepts only tokens it issued,
// so a call that succeeds proves the credential's token reached it; a token it did not issue is
// refused with 401 like the service.
TEST(managed_identity_reaches_the_vault) {
    const std::string endpoint = env("KV_TEST_IDENTITY_ENDPOINT");
    if (endpoint.empty()) {
        SKIP("KV_TEST_IDENTITY_ENDPOINT is not set (only the local stand-in vault has one)");
    }
    EnvGuard guard({"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_TOKEN_CREDENTIALS", "IDENTITY_ENDPOINT",
                    "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"});
    guard.set("IDENTITY_ENDPOINT", endpoint);
    guard.set("IDENTITY_HEADER", "test-identity-header");
    const std::string name = unique("mi");
    {
        const kv::Client c(env("KV_VAULT_URL"), kv::Credential::managed_identity(), client_options());
        c.set_secret(name, "set with the managed identity");
        CHECK(c.get_secret(name).value() == kv::bytes_view(std::string("set with the managed identity")));
    }
    kv::CredentialOptions user;
    user.set_managed_identity_client_id("00000000-0000-0000-0000-000000000001");
    {
        const kv::Client c(env("KV_VAULT_URL"), kv::Credential::managed_identity(user), client_options());
        CHECK(c.get_secret(name).value() == kv::bytes_view(std::string("set with the managed identity")));
    }
    guard.set("IDENTITY_HEADER", "wrong");
    {
        const kv::Client c(env("KV_VAULT_URL"), kv::Credential::managed_identity(), client_options());
        CHECK_THROWS_KV(c.get_secret(name), KV_STATUS_AUTHENTICATION_FAILED, {});
    }
    const kv::Client forged(env("KV_VAULT_URL"), kv::Credential::static_token("forged-token"), client_options());
    CHECK_THROWS_KV(forged.get_secret(name), KV_STATUS_UNAUTHORIZED, {
        CHECK(std::string_view(err.what()).find("AKV10032") != std::string_view::npos);
    });
}

// The client-secret credential against the local vault's client-credentials endpoint (app
// cpp-app, secret in KV_TEST_APP_SECRET from run_tests.sh): the authority host and CA file options
// are used, the token it gets is one the vault accepts; a wrong secret is refused by the endpoint.
TEST(client_secret_reaches_the_vault) {
    const std::string secret = env("KV_TEST_APP_SECRET");
    if (secret.empty()) {
        SKIP("KV_TEST_APP_SECRET is not set (only the local stand-in vault has a client-credentials endpoint)");
    }
    kv::CredentialOptions opts;
    opts.set_authority_host(env("KV_VAULT_URL")).set_ca_file(env("KV_CA_FILE")).set_timeout_ms(10000);
    const std::string name = unique("app");
    {
        const kv::Client c(env("KV_VAULT_URL"), kv::Credential::client_secret("tenant-cpp", "cpp-app", secret, opts),
                           client_options());
        c.set_secret(name, "set by the app");
        CHECK(c.get_secret(name).value() == kv::bytes_view(std::string("set by the app")));
    }
    const kv::Client wrong(env("KV_VAULT_URL"), kv::Credential::client_secret("tenant-cpp", "cpp-app", "not-it", opts),
                           client_options());
    CHECK_THROWS_KV(wrong.get_secret(name), KV_STATUS_AUTHENTICATION_FAILED, {
        CHECK(std::string_view(err.what()).find("AADSTS7000215") != std::string_view::npos);
    });
}

TEST(credential_constructors) {
    // None of these sends anything when created; the authority host keeps any use local.
    kv::CredentialOptions opts;
    opts.set_authority_host("https://localhost:1")
        .set_timeout_ms(1000)
        .add_allowed_tenant("*")
        .set_send_certificate_chain(false)
        .set_imds_probe_timeout_ms(100)
        .set_managed_identity_client_id("00000000-0000-0000-0000-000000000001");
    kv::Credential cs = kv::Credential::client_secret("tenant", "00000000-0000-0000-0000-000000000002", "s3cret", opts);
    CHECK(cs);
    auto cert = kv::Credential::try_client_certificate("tenant", "client", std::string("not a certificate"), "", opts);
    CHECK_EQ(cert.status(), static_cast<kv_status>(KV_STATUS_INVALID_ARGUMENT));
    kv::Credential mi = kv::Credential::managed_identity(opts);
    CHECK(mi);
    kv::Credential cli = kv::Credential::azure_cli(opts);
    CHECK(cli);
    CHECK_THROWS_KV(kv::CredentialOptions().set_authority_host("http://insecure.invalid"), KV_STATUS_INVALID_ARGUMENT,
                    {});
    CHECK_THROWS_KV(kv::CredentialOptions().set_ca_file("/nonexistent/ca.pem"), KV_STATUS_FILE_ERROR, {});
    kv::CredentialOptions other;
    other.set_managed_identity_object_id("00000000-0000-0000-0000-000000000003");
    other.set_managed_identity_resource_id("/subscriptions/x/resourceGroups/y/providers/"
                                           "Microsoft.ManagedIdentity/userAssignedIdentities/z");
    {
        // Without the credential variables (removed for this block, put back after it).
        const EnvGuard clean({"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                              "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS"});
        auto e = kv::Credential::try_environment(opts);
        CHECK_EQ(e.status(), static_cast<kv_status>(KV_STATUS_AUTHENTICATION_FAILED));
        auto w = kv::Credential::try_workload_identity(opts);
        CHECK_EQ(w.status(), static_cast<kv_status>(KV_STATUS_AUTHENTICATION_FAILED));
        auto d1 = kv::Credential::try_default_chain();
        CHECK(d1.ok());
        auto d2 = kv::Credential::try_default_chain(opts);
        CHECK(d2.ok());
    }
    CHECK_EQ(kv::Credential::try_callback(kv::TokenProvider()).status(), static_cast<kv_status>(KV_STATUS_NULL_ARGUMENT));
}

TEST(local_key_from_jwk) {
    auto bad = kv::Key::try_from_jwk("{not json");
    CHECK(!bad.ok());
    kv::Key k = kv::Key::from_jwk(R"({"kty":"EC","crv":"P-256","x":"tpooV6teefrxT-Kw1yvblR6fTqrV97rTVKSSSn5Bo0s",)"
                                  R"("y":"Mj76jZFvTxTKaW1SeFnDPmywJO3Wazx3wnCbevzV5_w","kid":"local-1"})");
    CHECK_EQ(k.type_name(), "EC");
    CHECK_EQ(k.curve_name(), "P-256");
    CHECK_EQ(k.x().size(), 32u);
    CHECK_EQ(k.id(), "local-1");
    const kv::Blob pem = k.public_pem();
    CHECK(pem.text().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
    CHECK_EQ(std::string_view(pem.text().data()).size(), pem.size());  // NUL-terminated
    const kv::Blob jwk = k.public_jwk();
    CHECK(jwk.text().find("\"crv\":\"P-256\"") != std::string_view::npos);
    // A bad signature is a valid call whose answer is false.
    const auto digest = bytes(32, 1);
    CHECK(!k.verify(kv::SignatureAlgorithm::ES256, digest, bytes(64, 2)));
    // EC keys do not encrypt.
    CHECK_THROWS_KV(k.encrypt(kv::EncryptionAlgorithm::RSA_OAEP, digest), KV_STATUS_UNSUPPORTED_ALGORITHM, {});
    CHECK_EQ(k.try_wrap_key(kv::EncryptionAlgorithm::RSA_OAEP, digest).status(),
             static_cast<kv_status>(KV_STATUS_UNSUPPORTED_ALGORITHM));
}

// ---- secrets ---------------------------------------------------------------------------------

TEST(log_sink_receives_records_with_fields_and_no_secret_and_context_diagnostics) {
    struct Kept {
        kv::LogLevel level;
        std::string message, id, method, path;
        std::uint16_t status;
        std::uint32_t attempt;
    };
    std::mutex mu;
    std::vector<Kept> kept;
    kv::set_log_sink(
        [&](const kv::LogRecord& r) {
            std::lock_guard<std::mutex> lock(mu);
            kept.push_back({r.level, std::string(r.message), std::string(r.client_request_id), std::string(r.method),
                            std::string(r.path), r.http_status, r.attempt});
        },
        kv::LogLevel::debug);
    const kv::Client& c = client();
    const std::string name = unique("logged");
    const std::string value = "cpp-S3cr3t-3e8a1d";
    c.set_secret(name, value);
    const kv::CallContext ctx = kv::CallContext::create();
    CHECK_EQ(ctx.last_attempts(), 0u);
    CHECK_EQ(c.with_context(ctx).get_secret(name).value(), std::string_view(value));
    kv::set_log_sink(nullptr);

    std::lock_guard<std::mutex> lock(mu);
    const Kept* put = nullptr;
    const Kept* get = nullptr;
    for (const Kept& k : kept) {
        CHECK(k.message.find(value) == std::string::npos);
        CHECK(k.message.find(env("KV_TOKEN", "local-dev-token")) == std::string::npos);
        if (k.path == "/secrets/" + name && k.method == "PUT" && k.status == 200) {
            put = &k;
        }
        if (k.path.rfind("/secrets/" + name, 0) == 0 && k.method == "GET" && k.status == 200) {
            get = &k;
        }
    }
    CHECK(put != nullptr);
    CHECK(get != nullptr);
    if (put != nullptr && get != nullptr) {
        CHECK(put->level == kv::LogLevel::info);
        CHECK_EQ(put->attempt, 1u);
        CHECK_EQ(put->id.size(), 36u);
        // The context tells how the get went: one request, the id its record names.
        CHECK_EQ(ctx.last_attempts(), 1u);
        CHECK_EQ(ctx.last_client_request_id(), get->id);
        CHECK(ctx.last_elapsed() > std::chrono::milliseconds(0));
    }
}

TEST(secret_round_trip) {
    const kv::Client& c = client();
    const std::string name = unique("secret");
    const std::string value("line one\nwith a NUL \0 inside", 28);
    kv::Secret set = c.set_secret(name, value);
    CHECK_EQ(set.name(), name);
    CHECK(!set.version().empty());
    CHECK(set.enabled());
    CHECK(set.created() > 0);

    kv::Secret got = c.get_secret(name);
    CHECK_EQ(got.value(), std::string_view(value));
    CHECK_EQ(got.version(), set.version());
    CHECK(got.id().find("/secrets/" + name) != std::string_view::npos);

    // A second version; the first stays readable by version.
    kv::SecretOptions opts;
    opts.set_content_type("text/plain").set_tag("env", "test").set_tag("owner", "cpp").set_expires(now() + 86400);
    const char raw[] = {'v', '2'};
    kv::Secret v2 = c.set_secret(name, raw, sizeof raw);
    kv::Secret v3 = c.set_secret(name, "third", opts);
    CHECK_EQ(v3.content_type(), "text/plain");
    CHECK_EQ(v3.tag_count(), 2u);
    CHECK(v3.tag("env") == std::optional<std::string_view>("test"));
    CHECK(!v3.tag("missing").has_value());
    CHECK_EQ(v3.tags().at(1).first, "owner");
    CHECK(v3.expires() > now());
    CHECK(v3.expires_time() == kv::Time(std::chrono::seconds(v3.expires())));
    CHECK(set.created_time() == kv::Time(std::chrono::seconds(set.created())));
    CHECK(set.expires_time() == kv::Time{});
    CHECK_EQ(c.get_secret(name, set.version()).value(), std::string_view(value));
    CHECK_EQ(c.get_secret(name, v2.version()).value(), "v2");
    CHECK_EQ(c.get_secret(name).value(), "third");

    // Update properties (no value returned), then clear the tags.
    kv::SecretOptions upd;
    upd.set_content_type("application/x-test").clear_tags();
    kv::Secret updated = c.update_secret_properties(name, upd);
    CHECK_EQ(updated.content_type(), "application/x-test");
    CHECK_EQ(updated.tag_count(), 0u);
    CHECK(updated.value().empty());
    kv::SecretOptions disable_v2;
    disable_v2.set_enabled(false);
    CHECK(!c.update_secret_properties(name, v2.version(), disable_v2).enabled());

    // Backup, delete, deleted views, purge, restore.
    kv::Blob backup = c.backup_secret(name);
    CHECK(!backup.empty());
    kv::Secret gone = c.delete_secret(name);
    CHECK_EQ(gone.name(), name);
    CHECK(gone.value().empty());
    CHECK(gone.recovery_id().find("/deletedsecrets/" + name) != std::string::npos);
    CHECK(gone.deleted_date() > 0);
    CHECK(gone.scheduled_purge_date() > gone.deleted_date());
    c.wait_for_deleted_secret(name, std::chrono::seconds(30));
    kv::Secret deleted = c.get_deleted_secret(name);
    CHECK_EQ(deleted.name(), name);
    CHECK(!deleted.recovery_id().empty());
    CHECK(deleted.deleted_date() > 0);
    bool listed = false;
    for (kv::Secret& s : c.list_deleted_secrets()) {
        listed = listed || s.name() == name;
    }
    CHECK(listed);
    c.purge_deleted_secret(name);
    CHECK_EQ(c.try_get_deleted_secret(name).status(), static_cast<kv_status>(KV_STATUS_SECRET_NOT_FOUND));
    kv::Secret restored = c.restore_secret(backup.bytes());
    CHECK_EQ(restored.name(), name);
    CHECK_EQ(c.get_secret(name).value(), "third");

    // Delete, recover (each finishes asynchronously: wait).
    (void)c.delete_secret(name);
    c.wait_for_deleted_secret(name);
    kv::Secret recovered = c.recover_deleted_secret(name);
    CHECK_EQ(recovered.name(), name);
    c.wait_for_recovered_secret(name, std::chrono::seconds(30));
    CHECK_EQ(c.get_secret(name).value(), "third");
    drop_secret(name);
}

// A delete that never finishes (the name was never deleted: GET /deletedsecrets answers 404 on
// every poll): the wait ends with KV_STATUS_TIMEOUT and names the deadline.
TEST(secret_times_as_std_chrono) {
    const kv::Client& c = client();
    const std::string name = unique("secret-chrono");
    const kv::Time in_a_day =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(24);
    kv::SecretOptions opts;
    opts.set_not_before(in_a_day - std::chrono::hours(48)).set_expires(in_a_day);
    kv::Secret s = c.set_secret(name, "timed", opts);
    CHECK(s.expires_time() == in_a_day);
    CHECK(s.not_before_time() == in_a_day - std::chrono::hours(48));
    drop_secret(name);

    const kv::Time t{std::chrono::seconds(1700000000)};
    const kv::AccessToken token = kv::AccessToken::expiring("opaque", t);
    CHECK_EQ(token.expires_on_unix, 1700000000);
    CHECK(token.expires_on() == t);
}

TEST(secret_waits_time_out_naming_the_deadline) {
    const kv::Client& c = client();
    const std::string never = unique("never");
    kv::Result<void> r = c.try_wait_for_deleted_secret(never, std::chrono::milliseconds(300));
    CHECK_EQ(r.status(), static_cast<kv_status>(KV_STATUS_TIMEOUT));
    CHECK(r.error().message().find("wait for deletion of secret '" + never + "'") != std::string::npos);
    CHECK(r.error().message().find("deadline of 300 ms") != std::string::npos);
    CHECK_THROWS_KV(c.wait_for_recovered_secret(never, std::chrono::milliseconds(200)), KV_STATUS_TIMEOUT, {
        CHECK(err.message().find("deadline of 200 ms") != std::string::npos);
    });
}

TEST(secret_errors_not_found_and_disabled) {
    const kv::Client& c = client();
    const std::string missing = unique("missing");

    // Throwing form.
    CHECK_THROWS_KV(c.get_secret(missing), KV_STATUS_SECRET_NOT_FOUND, {
        CHECK_EQ(err.code(), "SecretNotFound");
        CHECK_EQ(err.http_status(), 404u);
        CHECK(!err.request_id().empty());
        CHECK(!err.message().empty());
        CHECK_EQ(std::string_view(err.what()), err.message());
        CHECK_EQ(err.status_name(), std::string_view(kv_status_str(KV_STATUS_SECRET_NOT_FOUND)));
        CHECK(err.get() != nullptr);
        CHECK(err.to_string().find("code=SecretNotFound") != std::string::npos);
        CHECK(err.to_string().find("http=404") != std::string::npos);
    });

    // Result form: no exception, the same fields; value() throws the error.
    kv::Result<kv::Secret> r = c.try_get_secret(missing);
    CHECK(!r.ok());
    CHECK(!r);
    CHECK_EQ(r.status(), static_cast<kv_status>(KV_STATUS_SECRET_NOT_FOUND));
    CHECK_EQ(r.error().code(), "SecretNotFound");
    CHECK_EQ(r.error().http_status(), 404u);
    CHECK(!r.error().request_id().empty());
    CHECK_THROWS_KV(r.value(), KV_STATUS_SECRET_NOT_FOUND, { CHECK_EQ(err.code(), "SecretNotFound"); });
    // The error outlives the Result it came from (shared ownership of the kv_error).
    std::optional<kv::Error> kept;
    {
        kv::Result<kv::Secret> d = c.try_delete_secret(missing);
        CHECK_EQ(d.status(), static_cast<kv_status>(KV_STATUS_SECRET_NOT_FOUND));
        kept = d.error();
    }
    CHECK_EQ(kept->code(), "SecretNotFound");
    // Mixing with kv.h: a raw kv_error adopted by kv::Error.
    kv_secret* raw = nullptr;
    kv_error* raw_err = nullptr;
    const kv_status raw_st = kv_client_get_secret(c.get(), missing.c_str(), nullptr, &raw, &raw_err);
    CHECK_EQ(raw_st, static_cast<kv_status>(KV_STATUS_SECRET_NOT_FOUND));
    const kv::Error adopted(raw_err);
    CHECK_EQ(adopted.status(), static_cast<kv_status>(KV_STATUS_SECRET_NOT_FOUND));
    CHECK_EQ(adopted.http_status(), 404u);

    // A disabled secret: 403 Forbidden with inner code SecretDisabled.
    const std::string name = unique("disabled");
    kv::SecretOptions opts;
    opts.set_enabled(false);
    kv::Secret created = c.set_secret(name, "you cannot read me", opts);
    CHECK(!created.enabled());
    CHECK_THROWS_KV(c.get_secret(name), KV_STATUS_SECRET_DISABLED, {
        CHECK_EQ(err.code(), "Forbidden");
        CHECK_EQ(err.inner_code(), "SecretDisabled");
        CHECK_EQ(err.http_status(), 403u);
        CHECK(!err.request_id().empty());
    });
    auto dr = c.try_get_secret(name);
    CHECK_EQ(dr.status(), static_cast<kv_status>(KV_STATUS_SECRET_DISABLED));
    CHECK_EQ(dr.error().inner_code(), "SecretDisabled");
    CHECK_EQ(dr.error().http_status(), 403u);
    drop_secret(name);

    // The call's diagnostics: one GET (the client knows the challenge by now), its own client
    // request id, a measured time.
    std::string first_id;
    CHECK_THROWS_KV(c.get_secret(missing), KV_STATUS_SECRET_NOT_FOUND, {
        CHECK_EQ(err.attempts(), 1u);
        CHECK_EQ(err.client_request_id().size(), 36u);
        CHECK(err.elapsed() > std::chrono::milliseconds(0));
        CHECK(err.elapsed() < std::chrono::minutes(1));
        CHECK(err.to_string().find("client-request-id=" + std::string(err.client_request_id())) != std::string::npos);
        first_id = std::string(err.client_request_id());
    });
    CHECK_THROWS_KV(c.get_secret(missing), KV_STATUS_SECRET_NOT_FOUND,
                    { CHECK(err.client_request_id() != std::string_view(first_id)); });

    // Refused before any request: no HTTP status, no request id, no diagnostics.
    CHECK_THROWS_KV(c.get_secret("not_a_valid/name"), KV_STATUS_INVALID_NAME, {
        CHECK_EQ(err.http_status(), 0u);
        CHECK(err.request_id().empty());
        CHECK(err.code().empty());
        CHECK(err.client_request_id().empty());
        CHECK_EQ(err.attempts(), 0u);
        CHECK(err.elapsed() == std::chrono::milliseconds(0));
    });
    auto nul = c.try_get_secret(std::string_view("abc\0def", 7));
    CHECK_EQ(nul.status(), static_cast<kv_status>(KV_STATUS_INVALID_ARGUMENT));
    CHECK_EQ(c.try_restore_secret(std::string("not a backup")).status(), static_cast<kv_status>(KV_STATUS_BAD_PARAMETER));
}

// GETs of /secrets/<name> the local stand-in vault answered, from its auth log (-1 without one).
int vault_gets(const std::string& name) {
    const std::string endpoint = env("KV_TEST_IDENTITY_ENDPOINT");  // http://127.0.0.1:PORT/msi/token
    const std::size_t colon = endpoint.rfind(':');
    if (endpoint.rfind("http://127.0.0.1:", 0) != 0 || colon == std::string::npos) {
        return -1;
    }
    const int port = std::atoi(endpoint.c_str() + colon + 1);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return -1;
    }
    const std::string request = "GET /testvault/auth-log?path=%2Fsecrets%2F" + name +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    (void)::write(fd, request.data(), request.size());
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    int gets = 0;
    for (std::size_t at = 0; (at = reply.find("\"method\":\"GET\"", at)) != std::string::npos; ++at) {
        ++gets;
    }
    return gets;
}

TEST(secret_cache_one_request_for_many_threads) {
    const kv::Client& c = client();
    const std::string name = unique("cache");
    kv::Secret first = c.set_secret(name, "cached value");
    kv::SecretCacheOptions opts;
    opts.set_ttl(std::chrono::minutes(1)).set_max_entries(10);
    kv::SecretCache cache(c, opts);

    std::vector<std::string> seen(16);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        threads.emplace_back([&cache, &seen, &name, i] {
            kv::Result<kv::CachedSecret> r = cache.try_get_ex(name);
            seen[i] = r.ok() && !r.value().stale ? std::string(r.value().secret.value()) : std::string("error");
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    for (const std::string& v : seen) {
        CHECK_EQ(v, std::string("cached value"));
    }
    const int gets = vault_gets(name);
    CHECK(gets == 1 || gets == -1);

    c.set_secret(name, "second");
    CHECK_EQ(cache.get(name).value(), "cached value");              // from memory
    CHECK_EQ(cache.get(name, first.version()).value(), "cached value");  // a pinned version
    kv_secret_cache_counters st = cache.stats();
    CHECK_EQ(st.requests, 2u);
    CHECK_EQ(st.entries, 2u);
    CHECK_EQ(st.hits + st.misses, 18u);
    CHECK_EQ(cache.invalidate(name), 2u);
    CHECK_EQ(cache.get(name).value(), "second");
    CHECK(vault_gets(name) == 3 || vault_gets(name) == -1);

    // Under a cancelled call context: a hit answers from memory, a miss fails as cancelled.
    const kv::CallContext cancelled = kv::CallContext::create();
    cancelled.cancel();
    CHECK_EQ(cache.get(cancelled, name).value(), "second");
    CHECK_EQ(cache.try_get_ex(cancelled, unique("cache-miss")).status(), KV_STATUS_CANCELLED);

    CHECK_EQ(cache.try_get("bad name").status(), KV_STATUS_INVALID_NAME);
    CHECK_EQ(kv::SecretCacheOptions().try_set_jitter(2.0).status(), KV_STATUS_INVALID_ARGUMENT);
    kv::SecretCache moved = std::move(cache);
    CHECK_EQ(cache.try_get(name).status(), KV_STATUS_NULL_ARGUMENT);
    CHECK_EQ(moved.get(name).value(), "second");
}

TEST(secret_paging) {
    const kv::Client& c = client();
    const std::string prefix = unique("page");
    const int count = 8;  // with --page-size 3: three pages
    std::set<std::string> names;
    for (int i = 0; i < count; ++i) {
        names.insert(prefix + "-" + std::to_string(i));
        c.set_secret(prefix + "-" + std::to_string(i), "v" + std::to_string(i));
    }

    // range-for
    std::set<std::string> seen;
    for (const kv::Secret& s : c.list_secrets()) {
        if (s.name().rfind(prefix + "-", 0) == 0) {
            CHECK(s.value().empty());  // list items carry no value
            seen.insert(std::string(s.name()));
        }
    }
    CHECK(seen == names);

    // next()-style, and the iterator continues where it stopped
    kv::SecretIterator it = c.list_secrets();
    std::size_t total = 0;
    while (std::optional<kv::Secret> s = it.next()) {
        ++total;
    }
    CHECK(total >= static_cast<std::size_t>(count));
    CHECK(!it.next().has_value());
    auto end = it.try_next();
    CHECK(end.ok() && !end.value().has_value());

    // versions of one secret, across pages, with the standard algorithms
    const std::string vname = prefix + "-versions";
    for (int i = 0; i < 7; ++i) {
        c.set_secret(vname, std::to_string(i));
    }
    kv::SecretIterator versions = c.list_secret_versions(vname);
    std::vector<std::string> ids;
    for (auto i = versions.begin(); i != versions.end(); ++i) {
        CHECK_EQ(i->name(), vname);
        ids.emplace_back((*i).version());
    }
    CHECK_EQ(ids.size(), 7u);
    CHECK(std::all_of(ids.begin(), ids.end(), [](const std::string& v) { return !v.empty(); }));

    // post-increment yields the item it was at
    kv::SecretIterator again = c.list_secret_versions(vname);
    auto pos = again.begin();
    const std::string first(pos->version());
    auto old = pos++;
    CHECK_EQ((*old).version(), first);
    CHECK(pos != again.end());

    for (const std::string& n : names) {
        drop_secret(n);
    }
    drop_secret(vname);
}

TEST(iteration_error_throws) {
    kv::ClientOptions opts = client_options();
    opts.set_max_retries(0).set_connect_timeout_ms(2000).set_call_timeout_ms(5000);
    const kv::Client dead("https://localhost:" + std::to_string(closed_port()), kv::Credential::static_token("t"),
                          opts);
    kv::SecretIterator it = dead.list_secrets();  // no request yet
    bool threw = false;
    try {
        for (kv::Secret& s : it) {
            (void)s;
        }
    } catch (const kv::Error& e) {
        threw = true;
        CHECK_EQ(e.status(), static_cast<kv_status>(KV_STATUS_TRANSPORT));
        CHECK_EQ(e.http_status(), 0u);
    }
    CHECK(threw);
    auto r = it.try_next();  // the same page is tried again: same failure, no exception
    CHECK_EQ(r.status(), static_cast<kv_status>(KV_STATUS_TRANSPORT));
    kv::KeyIterator keys = dead.list_keys();
    CHECK_THROWS_KV(keys.begin(), KV_STATUS_TRANSPORT, {});
}

// ---- keys and cryptography -------------------------------------------------------------------

TEST(ec_key_sign_remote_verify_local) {
    const kv::Client& c = client();
    const std::string name = unique("ec");
    kv::KeyOptions opts;
    opts.set_curve(kv::KeyCurve::P256).set_tag("purpose", "cpp-test");
    kv::Key key = c.create_key(name, kv::KeyType::EC, opts);
    CHECK_EQ(key.name(), name);
    CHECK_EQ(key.type_name(), "EC");
    CHECK_EQ(key.curve_name(), "P-256");
    CHECK_EQ(key.x().size(), 32u);
    CHECK_EQ(key.y().size(), 32u);
    CHECK(key.tag("purpose") == std::optional<std::string_view>("cpp-test"));
    const auto ops = key.operations();
    CHECK(std::find(ops.begin(), ops.end(), "sign") != ops.end());

    const auto digest = bytes(32, 3);
    kv::CryptoResult sig = c.sign(name, kv::SignatureAlgorithm::ES256, digest);
    CHECK_EQ(sig.value().size(), 64u);
    CHECK(sig.key_id().find("/keys/" + name + "/") != std::string_view::npos);
    CHECK(key.verify(kv::SignatureAlgorithm::ES256, digest, sig.value()));
    CHECK(c.verify(name, kv::SignatureAlgorithm::ES256, digest, sig.value()));
    auto tampered = sig.value().to_vector();
    tampered[5] ^= 1;
    CHECK(!key.verify(kv::SignatureAlgorithm::ES256, digest, tampered));
    CHECK(!c.verify(name, std::string(key.version()), kv::SignatureAlgorithm::ES256, digest, tampered));
    // Wrong digest length: refused before any request.
    CHECK_THROWS_KV(c.sign(name, kv::SignatureAlgorithm::ES256, bytes(31, 0)), KV_STATUS_INVALID_ARGUMENT, {});

    // sign_data hashes locally; verify locally, in the vault, and with a key rebuilt from its JWK.
    const std::string data = "message to sign";
    kv::CryptoResult sd = c.sign_data(name, std::string(key.version()), kv::SignatureAlgorithm::ES256, data);
    CHECK(key.verify_data(kv::SignatureAlgorithm::ES256, data, sd.value()));
    CHECK(c.verify_data(name, kv::SignatureAlgorithm::ES256, data, sd.value()));
    CHECK(!c.verify_data(name, kv::SignatureAlgorithm::ES256, std::string("other"), sd.value()));
    kv::Key copy = kv::Key::from_jwk(key.public_jwk().text());
    CHECK(copy.verify_data(kv::SignatureAlgorithm::ES256, data, sd.value()));
    CHECK(key.public_pem().text().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
    // The wrong algorithm for the key: local refusal.
    CHECK_THROWS_KV(key.verify(kv::SignatureAlgorithm::ES384, bytes(48, 0), sd.value()),
                    KV_STATUS_UNSUPPORTED_ALGORITHM, {});
    drop_key(name);
}

TEST(rsa_key_encrypt_decrypt_wrap) {
    const kv::Client& c = client();
    const std::string name = unique("rsa");
    kv::KeyOptions opts;
    opts.set_key_size(2048).set_public_exponent(65537);
    kv::Key key = c.create_key(name, kv::KeyType::RSA, opts);
    CHECK_EQ(key.type_name(), "RSA");
    CHECK_EQ(key.n().size(), 256u);
    CHECK(!key.e().empty());

    const std::string plaintext = "attack at dawn";
    // local encrypt -> vault decrypt
    kv::CryptoResult local = key.encrypt(kv::EncryptionAlgorithm::RSA_OAEP_256, plaintext);
    CHECK_EQ(local.value().size(), 256u);
    kv::CryptoResult dec = c.decrypt(name, kv::EncryptionAlgorithm::RSA_OAEP_256, local.value());
    CHECK_EQ(dec.value().as_string_view(), plaintext);
    // vault encrypt -> vault decrypt (with an explicit version)
    kv::CryptoResult remote = c.encrypt(name, std::string(key.version()), kv::EncryptionAlgorithm::RSA_OAEP, plaintext);
    // (a temporary result's value() is an owning std::vector copy)
    CHECK_EQ(text(c.decrypt(name, std::string(key.version()), kv::EncryptionAlgorithm::RSA_OAEP, remote.value()).value()),
             plaintext);
    // local wrap -> vault unwrap; vault wrap -> vault unwrap
    const auto cek = bytes(32, 9);
    kv::CryptoResult wrapped = key.wrap_key(kv::EncryptionAlgorithm::RSA1_5, cek);
    CHECK(c.unwrap_key(name, kv::EncryptionAlgorithm::RSA1_5, wrapped.value()).value() == kv::bytes_view(cek));
    kv::CryptoResult wrapped2 = c.wrap_key(name, kv::EncryptionAlgorithm::RSA_OAEP_256, cek);
    CHECK(c.unwrap_key(name, kv::EncryptionAlgorithm::RSA_OAEP_256, wrapped2.value()).value() == kv::bytes_view(cek));
    // RSA signatures: vault sign, local and vault verify
    const auto digest = bytes(32, 4);
    kv::CryptoResult sig = c.sign(name, kv::SignatureAlgorithm::PS256, digest);
    CHECK(key.verify(kv::SignatureAlgorithm::PS256, digest, sig.value()));
    CHECK(c.verify(name, kv::SignatureAlgorithm::PS256, digest, sig.value()));
    // Try forms of the crypto calls.
    auto tried = c.try_decrypt(name, kv::EncryptionAlgorithm::RSA_OAEP_256, bytes(256, 0));
    CHECK(!tried.ok());
    CHECK(tried.error().http_status() >= 400u);
    CHECK_EQ(key.try_encrypt(kv::EncryptionAlgorithm::RSA_OAEP, std::string(300, 'x')).status(),
             static_cast<kv_status>(KV_STATUS_INVALID_ARGUMENT));
    drop_key(name);
}

TEST(aes_key_params) {
    const kv::Client& c = client();
    const std::string name = unique("aes");
    kv::KeyOptions opts;
    opts.set_key_size(256);
    auto created = c.try_create_key(name, kv::KeyType::OCT_HSM, opts);
    if (!created.ok() && env("KV_EXPECT_AES") != "1") {
        SKIP(std::string("the vault refused an oct-HSM key: ") + created.error().what());
    }
    REQUIRE(created.ok());
    const std::string plaintext = "sixteen byte msg and some more";
    const std::string aad = "header";
    // GCM: the vault picks the iv; decrypt needs iv, tag and aad.
    kv::CryptoParams enc_params;
    enc_params.set_aad(aad);
    kv::CryptoResult ct = c.encrypt(name, kv::EncryptionAlgorithm::A256GCM, plaintext, enc_params);
    CHECK(!ct.iv().empty());
    CHECK_EQ(ct.tag().size(), 16u);
    kv::CryptoParams dec_params;
    dec_params.set_iv(ct.iv()).set_tag(ct.tag()).set_aad(aad);
    CHECK_EQ(text(c.decrypt(name, kv::EncryptionAlgorithm::A256GCM, ct.value(), dec_params).value()), plaintext);
    // Without the tag: the vault refuses.
    kv::CryptoParams no_tag;
    no_tag.set_iv(ct.iv()).set_aad(aad);
    CHECK(!c.try_decrypt(name, kv::EncryptionAlgorithm::A256GCM, ct.value(), no_tag).ok());
    // CBC with padding and our own iv.
    const auto iv = bytes(16, 5);
    kv::CryptoParams cbc;
    cbc.set_iv(iv);
    kv::CryptoResult cbc_ct = c.encrypt(name, kv::EncryptionAlgorithm::A256CBCPAD, plaintext, cbc);
    CHECK_EQ(cbc_ct.value().size() % 16, 0u);
    CHECK_EQ(text(c.decrypt(name, kv::EncryptionAlgorithm::A256CBCPAD, cbc_ct.value(), cbc).value()), plaintext);
    // Key wrap.
    const auto cek = bytes(32, 6);
    kv::CryptoResult w = c.wrap_key(name, kv::EncryptionAlgorithm::A256KW, cek);
    CHECK(c.unwrap_key(name, kv::EncryptionAlgorithm::A256KW, w.value()).value() == kv::bytes_view(cek));
    drop_key(name);
}

TEST(key_lifecycle_and_paging) {
    const kv::Client& c = client();
    const std::string name = unique("life");
    kv::Key v1 = c.create_key(name, kv::KeyType::EC);
    kv::Key v2 = c.rotate_key(name);
    CHECK(v2.version() != v1.version());
    for (int i = 0; i < 5; ++i) {
        (void)c.create_key(name, kv::KeyType::EC);
    }
    std::size_t versions = 0;
    for (kv::Key& k : c.list_key_versions(name)) {
        CHECK_EQ(k.name(), name);
        ++versions;
    }
    CHECK_EQ(versions, 7u);  // three pages of 3
    bool listed = false;
    kv::KeyIterator all = c.list_keys();
    while (auto k = all.next()) {
        listed = listed || k->name() == name;
    }
    CHECK(listed);
    CHECK_EQ(c.get_key(name, std::string(v1.version())).version(), v1.version());

    // update: disable -> the vault refuses to sign with KeyDisabled
    kv::KeyOptions off;
    off.set_enabled(false).set_tag("state", "off");
    kv::Key disabled = c.update_key_properties(name, off);
    CHECK(!disabled.enabled());
    CHECK_THROWS_KV(c.sign(name, kv::SignatureAlgorithm::ES256, bytes(32, 0)), KV_STATUS_KEY_DISABLED, {
        CHECK_EQ(err.inner_code(), "KeyDisabled");
        CHECK_EQ(err.http_status(), 403u);
    });
    kv::KeyOptions on;
    on.set_enabled(true);
    CHECK(c.update_key_properties(name, std::string(disabled.version()), on).enabled());

    // rotation policy
    kv::KeyRotationPolicy policy;
    policy.set_expiry_time("P90D")
        .add_action_after_create(kv::KeyRotationAction::Rotate, "P60D")
        .add_action_before_expiry(kv::KeyRotationAction::Notify, "P30D");
    kv::KeyRotationPolicy stored = c.update_key_rotation_policy(name, policy);
    CHECK_EQ(stored.expiry_time(), "P90D");
    kv::KeyRotationPolicy got = c.get_key_rotation_policy(name);
    CHECK_EQ(got.action_count(), 2u);
    bool rotate = false;
    bool notify = false;
    for (std::size_t i = 0; i < got.action_count(); ++i) {
        if (got.action_type(i) == kv::KeyRotationAction::Rotate) {
            rotate = got.action_time_after_create(i) == "P60D";
        }
        if (got.action_type(i) == kv::KeyRotationAction::Notify) {
            notify = got.action_time_before_expiry(i) == "P30D";
        }
    }
    CHECK(rotate);
    CHECK(notify);
    CHECK(!got.id().empty());
    CHECK(got.updated() > 0);

    // backup, delete (wait), deleted views, purge, restore; delete, recover (wait)
    kv::Blob backup = c.backup_key(name);
    kv::Key deleted = c.delete_key(name);
    CHECK_EQ(deleted.name(), name);
    c.wait_for_deleted_key(name, std::chrono::seconds(30));
    kv::Key dk = c.get_deleted_key(name);
    CHECK(!dk.recovery_id().empty());
    CHECK(dk.scheduled_purge_date() > 0);
    bool in_deleted = false;
    for (kv::Key& k : c.list_deleted_keys()) {
        in_deleted = in_deleted || k.name() == name;
    }
    CHECK(in_deleted);
    c.purge_deleted_key(name);
    kv::Key restored = c.restore_key(backup.bytes());
    CHECK_EQ(restored.name(), name);
    (void)c.delete_key(name);
    c.wait_for_deleted_key(name);
    CHECK_EQ(c.recover_deleted_key(name).name(), name);
    c.wait_for_recovered_key(name, std::chrono::seconds(30));
    CHECK_EQ(c.get_key(name).name(), name);
    CHECK_EQ(c.try_get_key(unique("nokey")).status(), static_cast<kv_status>(KV_STATUS_KEY_NOT_FOUND));
    drop_key(name);
}

TEST(key_import_release_attestation_random) {
    const kv::Client& c = client();
    // import PEM and JWK, operations limited by the options
    const std::string pem_name = unique("imp-pem");
    kv::KeyOptions sign_only;
    sign_only.add_operation("sign");
    kv::Key pem_key = c.import_key_pem(pem_name, kEcPrivatePem, sign_only);
    CHECK_EQ(pem_key.type_name(), "EC");
    CHECK(pem_key.operations() == std::vector<std::string_view>{"sign"});
    // local verify refused: "verify" is not a permitted operation
    CHECK_THROWS_KV(pem_key.verify(kv::SignatureAlgorithm::ES256, bytes(32, 0), bytes(64, 0)),
                    KV_STATUS_OPERATION_NOT_PERMITTED, { CHECK_EQ(err.http_status(), 0u); });
    const std::string jwk_name = unique("imp-jwk");
    kv::Key jwk_key = c.import_key_jwk(jwk_name, kEcPrivateJwk);
    CHECK_EQ(jwk_key.curve_name(), "P-256");
    kv::CryptoResult sig = c.sign_data(jwk_name, kv::SignatureAlgorithm::ES256, std::string("imported"));
    CHECK(jwk_key.verify_data(kv::SignatureAlgorithm::ES256, std::string("imported"), sig.value()));

    // secure key release
    const std::string rel = unique("release");
    kv::KeyOptions ro;
    ro.set_exportable(true).set_release_policy(std::string(R"({"version":"1.0.0","anyOf":[]})"));
    kv::Key rk = c.create_key(rel, kv::KeyType::RSA_HSM, ro);
    CHECK(rk.exportable());
    CHECK(!rk.release_policy().empty());
    CHECK(!rk.release_policy_content_type().empty());
    CHECK(!rk.release_policy_immutable());
    kv::Blob released = c.release_key(rel, "", "attestation-token", "nonce-1",
                                      kv::KeyReleaseAlgorithm::RSA_AES_KEY_WRAP_256);
    CHECK_EQ(std::count(released.text().begin(), released.text().end(), '.'), 2);  // a JWS
    CHECK_EQ(c.try_release_key(pem_name, "", "attestation-token").status(), static_cast<kv_status>(KV_STATUS_FORBIDDEN));

    // attestation of an HSM key
    kv::Key att = c.get_key_attestation(rel, std::string(rk.version()));
    CHECK_EQ(att.attestation_version(), "1.0");
    CHECK(!att.attestation_private().empty());
    CHECK(!att.attestation_public().empty());
    CHECK(!att.attestation_certificate().empty());

    kv::Blob rnd = c.get_random_bytes(16);
    CHECK_EQ(rnd.size(), 16u);
    CHECK_EQ(c.try_get_random_bytes(0).status(), static_cast<kv_status>(KV_STATUS_INVALID_ARGUMENT));
    drop_key(pem_name);
    drop_key(jwk_name);
    drop_key(rel);
}

// ---- credentials and RAII --------------------------------------------------------------------

TEST(callback_credential) {
    auto calls = std::make_shared<int>(0);
    const std::string name = unique("cb");
    {
        kv::Credential cred = kv::Credential::callback([calls](const kv::TokenRequest& req) {
            ++*calls;
            if (req.scope.empty()) {
                throw std::runtime_error("no scope");
            }
            return kv::AccessToken{env("KV_TOKEN", "local-dev-token"), now() + 3600};
        });
        CHECK_EQ(calls.use_count(), 2L);
        kv::Client c(env("KV_VAULT_URL"), cred, client_options());
        cred = kv::Credential();  // the client keeps what it needs
        c.set_secret(name, "from a callback credential");
        CHECK_EQ(c.get_secret(name).value(), "from a callback credential");
        CHECK(*calls >= 1);
        drop_secret(name);
    }
    CHECK_EQ(calls.use_count(), 1L);  // the provider was destroyed with the last owner

    // A throwing provider fails the call with its message.
    kv::Credential failing =
        kv::Credential::callback([](const kv::TokenRequest&) -> kv::AccessToken { throw std::runtime_error("no token for you"); });
    kv::Client c2(env("KV_VAULT_URL"), failing, client_options());
    CHECK_THROWS_KV(c2.get_secret("anything"), KV_STATUS_AUTHENTICATION_FAILED, {
        CHECK(std::string_view(err.what()).find("no token for you") != std::string_view::npos);
    });
    // An expired token is refused by kv (reported as the callback's failure).
    kv::Credential expired =
        kv::Credential::callback([](const kv::TokenRequest&) { return kv::AccessToken{"tok", now() - 10}; });
    kv::Client c3(env("KV_VAULT_URL"), expired, client_options());
    CHECK_EQ(c3.try_get_secret("anything").status(), static_cast<kv_status>(KV_STATUS_AUTHENTICATION_FAILED));
}

TEST(certificate_create_download_and_lifecycle) {
    const kv::Client& c = client();
    const std::string name = unique("cppcert");
    kv::CertificatePolicy policy("CN=cpp.example");
    policy.add_dns_name("cpp.example").set_key_type("EC").set_curve("P-256").set_content_type("application/x-pem-file")
        .set_validity_months(6).add_lifetime_action("AutoRenew", 80, 0);
    CHECK_EQ(policy.subject(), "CN=cpp.example");
    kv::CertificateOperation op = c.create_certificate(name, policy, kv::CertificateOptions().set_tag("env", "test"));
    CHECK(op.id().find("/certificates/" + name + "/pending") != std::string_view::npos);
    kv::Certificate cert = c.wait_for_certificate(name, std::chrono::seconds(30));
    CHECK_EQ(cert.subject(), "CN=cpp.example");
    CHECK_EQ(cert.issuer(), "CN=cpp.example");
    REQUIRE(cert.san_count() == 1);
    CHECK_EQ(cert.san(0), "DNS:cpp.example");
    CHECK(cert.expires() > cert.not_before());
    CHECK(!cert.der().empty());
    CHECK_EQ(cert.thumbprint().size(), 40u);
    kv::Blob pem = c.download_certificate(name);
    CHECK(pem.text().find("-----BEGIN PRIVATE KEY-----") != std::string_view::npos);
    CHECK(pem.text().find(cert.pem().text().substr(0, 40)) != std::string_view::npos);
    kv::Blob chain = c.download_certificate(name, {}, kv::CertificateFormat::ChainPem);
    CHECK(chain.text().find("PRIVATE KEY") == std::string_view::npos);
    CHECK(!c.download_certificate(name, {}, kv::CertificateFormat::Pkcs12, "pw").empty());
    kv::CertificatePolicy got = c.get_certificate_policy(name);
    CHECK_EQ(got.content_type(), "application/x-pem-file");
    kv::CertificatePolicy change;
    change.set_validity_months(3);
    CHECK_EQ(c.update_certificate_policy(name, change).validity_months(), 3u);
    CHECK(!c.update_certificate_properties(name, {}, kv::CertificateOptions().set_enabled(false)).enabled());

    int versions = 0;
    for (kv::Certificate& v : c.list_certificate_versions(name)) {
        CHECK_EQ(v.name(), name);
        ++versions;
    }
    CHECK_EQ(versions, 1);
    kv::Blob backup = c.backup_certificate(name);
    c.delete_certificate(name);
    c.wait_for_deleted_certificate(name);
    CHECK(!c.get_deleted_certificate(name).recovery_id().empty());
    c.recover_deleted_certificate(name);
    c.wait_for_recovered_certificate(name);
    c.delete_certificate(name);
    c.wait_for_deleted_certificate(name);
    c.purge_deleted_certificate(name);
    CHECK_THROWS_KV(c.get_certificate(name), KV_STATUS_CERTIFICATE_NOT_FOUND, {});
    CHECK_EQ(c.restore_certificate(backup).name(), name);
    for (kv::Certificate& item : c.list_certificates(true)) {
        (void)item;
    }
    for (kv::Certificate& item : c.list_deleted_certificates()) {
        (void)item;
    }

    // A PEM without a key is refused before anything is sent.
    CHECK_THROWS_KV(c.import_certificate(unique("cppnokey"), cert.pem().text()), KV_STATUS_INVALID_ARGUMENT, {
        CHECK(err.message().find("no private key") != std::string_view::npos);
    });
    // Import what was downloaded (PEM with key) under another name.
    const std::string copy = unique("cppimport");
    kv::Certificate imported = c.import_certificate(copy, pem.text());
    CHECK(imported.der() == cert.der());

    // Pending operation: cancel and delete.
    const std::string pending = unique("cpppending");
    kv::CertificatePolicy unknown("CN=pending");
    unknown.set_issuer("Unknown");
    kv::CertificateOperation pop = c.create_certificate(pending, unknown);
    CHECK(!pop.csr().empty());
    CHECK_EQ(c.get_certificate_operation(pending).status(), "inProgress");
    CHECK(c.cancel_certificate_operation(pending).cancellation_requested());
    c.delete_certificate_operation(pending);
    CHECK_THROWS_KV(c.merge_certificate(pending, {kv::bytes_view(cert.der())}), KV_STATUS_CERTIFICATE_NOT_FOUND, {});
}

TEST(certificate_issuers_and_contacts) {
    const kv::Client& c = client();
    const std::string name = unique("cppissuer");
    kv::IssuerOptions opts;
    opts.set_provider("Test").set_credentials("acct", "pw").set_organization_id("org").add_admin("A", "B", "a@b.c", "1");
    kv::Issuer issuer = c.set_certificate_issuer(name, opts);
    CHECK_EQ(issuer.name(), name);
    CHECK_EQ(issuer.provider(), "Test");
    CHECK_EQ(issuer.account_id(), "acct");
    kv::IssuerOptions disable;
    disable.set_enabled(false);
    CHECK(!c.update_certificate_issuer(name, disable).enabled());
    CHECK_EQ(c.get_certificate_issuer(name).organization_id(), "org");
    bool listed = false;
    for (kv::Issuer& i : c.list_certificate_issuers()) {
        listed = listed || i.name() == name;
    }
    CHECK(listed);
    c.delete_certificate_issuer(name);
    kv::Contacts contacts;
    contacts.add("ops@example.com", "Ops");
    kv::Contacts set = c.set_certificate_contacts(contacts);
    REQUIRE(set.size() == 1);
    CHECK_EQ(set.email(0), "ops@example.com");
    CHECK_EQ(c.get_certificate_contacts().name(0), "Ops");
    CHECK_EQ(c.delete_certificate_contacts().size(), 1u);
}

TEST(raii_moved_from_objects_are_safe) {
    const kv::Client& shared = client();
    const std::string name = unique("raii");
    shared.set_secret(name, "moved value");

    // Results.
    kv::Secret a = shared.get_secret(name);
    kv::Secret b = std::move(a);
    CHECK(!a);  // NOLINT(bugprone-use-after-move): deliberate
    CHECK(a.value().empty());
    CHECK(a.name().empty());
    CHECK(!a.enabled() || a.enabled());  // callable
    CHECK_EQ(a.tag_count(), 0u);
    CHECK(!a.tag("x").has_value());
    CHECK_EQ(b.value(), "moved value");
    a = std::move(b);  // move-assign into an empty owner
    CHECK_EQ(a.value(), "moved value");
    a = shared.get_secret(name);  // move-assign over a live owner frees the old secret
    CHECK_EQ(a.value(), "moved value");
    kv::Secret& alias = a;
    a = std::move(alias);  // self-move keeps the secret
    CHECK_EQ(a.value(), "moved value");
    kv_secret* raw = a.release();
    CHECK(!a);
    kv::Secret readopt(raw);
    CHECK_EQ(readopt.value(), "moved value");
    readopt.reset();
    CHECK(!readopt);

    // A moved-from client: calls fail with KV_STATUS_NULL_ARGUMENT, never crash.
    kv::Client c(env("KV_VAULT_URL"), kv::Credential::static_token(env("KV_TOKEN", "local-dev-token")), client_options());
    kv::Client moved = std::move(c);
    CHECK(!c);
    CHECK_EQ(c.try_get_secret(name).status(), static_cast<kv_status>(KV_STATUS_NULL_ARGUMENT));
    CHECK_THROWS_KV(c.get_secret(name), KV_STATUS_NULL_ARGUMENT, {});
    CHECK_THROWS_KV(c.list_secrets(), KV_STATUS_NULL_ARGUMENT, {});
    CHECK_EQ(moved.get_secret(name).value(), "moved value");
    c = std::move(moved);
    CHECK_EQ(c.get_secret(name).value(), "moved value");

    // Moved-from keys, blobs, crypto results, iterators, settings.
    kv::Key k = kv::Key::from_jwk(R"({"kty":"EC","crv":"P-256","x":"tpooV6teefrxT-Kw1yvblR6fTqrV97rTVKSSSn5Bo0s",)"
                                  R"("y":"Mj76jZFvTxTKaW1SeFnDPmywJO3Wazx3wnCbevzV5_w"})");
    kv::Key k2 = std::move(k);
    CHECK(k.name().empty());
    CHECK(k.n().empty());
    CHECK_EQ(k.try_verify(kv::SignatureAlgorithm::ES256, bytes(32, 0), bytes(64, 0)).status(),
             static_cast<kv_status>(KV_STATUS_NULL_ARGUMENT));
    CHECK_EQ(k.try_public_pem().status(), static_cast<kv_status>(KV_STATUS_NULL_ARGUMENT));
    CHECK(!k2.public_pem().empty());
    kv::Blob blob = k2.public_pem();
    kv::Blob blob2 = std::move(blob);
    CHECK(blob.empty());
    CHECK(blob.text().empty());
    CHECK(!blob2.empty());
    kv::CryptoResult cr;
    CHECK(cr.value().empty());
    CHECK(cr.key_id().empty());
    kv::SecretIterator it = shared.list_secret_versions(name);
    kv::SecretIterator it2 = std::move(it);
    CHECK_EQ(it.try_next().status(), static_cast<kv_status>(KV_STATUS_NULL_ARGUMENT));
    CHECK(it2.next().has_value());
    kv::KeyRotationPolicy pol;
    CHECK(pol.id().empty());
    CHECK_EQ(pol.action_count(), 0u);
    kv::SecretOptions so;
    so.set_content_type("a/b");
    kv::SecretOptions so2 = std::move(so);
    CHECK(!so);
    so.set_enabled(true);  // a moved-from settings object starts afresh
    CHECK(so);
    kv::ErrorHandle eh;
    CHECK(!eh);

    // The error of a moved-from Result is still safe to read through its copy.
    kv::Result<kv::Secret> r = shared.try_get_secret(unique("gone"));
    kv::Result<kv::Secret> r2 = std::move(r);
    CHECK_EQ(r2.error().code(), "SecretNotFound");
    drop_secret(name);
}

// ---- main ------------------------------------------------------------------------------------

int main() {
    if (env("KV_VAULT_URL").empty()) {
        std::cerr << "kv_test: set KV_VAULT_URL (and KV_CA_FILE), e.g. with bindings/cpp/run_tests.sh\n";
        return 2;
    }
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    for (const harness::Test& t : harness::registry()) {
        harness::failures_in_test = 0;
        harness::skipped_because.clear();
        const auto start = std::chrono::steady_clock::now();
        try {
            t.fn();
        } catch (const harness::Abort&) {
            // reported by REQUIRE
        } catch (const harness::Skip&) {
            // reported below
        } catch (const kv::Error& e) {
            harness::fail(__FILE__, __LINE__, std::string("unexpected kv::Error: ") + e.to_string());
        } catch (const std::exception& e) {
            harness::fail(__FILE__, __LINE__, std::string("unexpected exception: ") + e.what());
        }
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        if (harness::failures_in_test == 0 && !harness::skipped_because.empty()) {
            ++skipped;
            std::cout << "skip " << t.name << " (" << harness::skipped_because << ")\n";
        } else if (harness::failures_in_test == 0) {
            ++passed;
            std::cout << "ok   " << t.name << " (" << ms << " ms)\n";
        } else {
            ++failed;
            std::cout << "FAIL " << t.name << " (" << harness::failures_in_test << " failed checks)\n";
        }
    }
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
    return failed == 0 ? 0 : 1;
}
