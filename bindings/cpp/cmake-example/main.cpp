// main.cpp - sets a secret, reads it back, shows the error of a missing one, cleans up.
//
// Environment: KV_VAULT_URL (required), KV_TOKEN (default "local-dev-token"; the local test
// vault accepts only the token it was seeded with), KV_CA_FILE (optional: a CA to trust, e.g.
// the local test vault's ca.pem),
// KV_VERIFY_CHALLENGE_RESOURCE=0 (emulators only).
// Usage: app [secret-name]
#include <kv.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include <unistd.h>

static std::string env(const char* name, const char* fallback = "") {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

int main(int argc, char** argv) {
    const std::string url = env("KV_VAULT_URL");
    if (url.empty()) {
        std::cerr << "app: set KV_VAULT_URL\n";
        return 2;
    }
    const std::string name = argc > 1 ? argv[1] : "cmake-example-" + std::to_string(static_cast<long>(getpid()));
    try {
        kv::ClientOptions opts;
        if (!env("KV_CA_FILE").empty()) {
            opts.set_ca_file(env("KV_CA_FILE"));
        }
        if (env("KV_VERIFY_CHALLENGE_RESOURCE") == "0") {
            opts.set_verify_challenge_resource(false);
        }
        const kv::Client client(url, kv::Credential::static_token(env("KV_TOKEN", "local-dev-token")), opts);

        const std::string value = "hello from kv " + std::string(kv::version()) + " (C++)";
        const kv::Secret set = client.set_secret(name, value);
        std::cout << "set " << set.name() << " version " << set.version() << "\n";

        const kv::Secret got = client.get_secret(name);
        std::cout << "got " << got.name() << " = " << got.value() << "\n";
        if (got.value() != value) {
            std::cerr << "app: the value read back differs\n";
            return 1;
        }

        // The non-throwing form: a Result holding the secret or the error.
        const kv::Result<kv::Secret> missing = client.try_get_secret(name + "-missing");
        if (!missing.ok()) {
            const kv::Error& e = missing.error();
            std::cout << "missing secret: " << e.status_name() << ", code " << e.code() << ", HTTP " << e.http_status()
                      << "\n";
        }

        client.delete_secret(name);
        client.wait_for_deleted_secret(name);  // deletes finish asynchronously
        client.purge_deleted_secret(name);
        std::cout << "app: ok\n";
        return 0;
    } catch (const kv::Error& e) {
        std::cerr << "app: " << e.to_string() << "\n";
        return 1;
    }
}
