/*
 * kv.hpp - C++17 binding of kv (Azure Key Vault client), header-only over kv.h.
 *
 *   #include "kv.hpp"      // link with -lkv (pkg-config kv, or CMake target kv::kv)
 *
 *   kv::Credential cred = kv::Credential::static_token(token);
 *   kv::ClientOptions opts;
 *   opts.set_ca_file("/path/to/ca.pem");
 *   kv::Client client("https://myvault.vault.azure.net", cred, opts);
 *   client.set_secret("db-password", "hunter2");
 *   kv::Secret s = client.get_secret("db-password");
 *   std::string_view v = s.value();                     // valid while `s` lives
 *
 *   kv::Result<kv::Secret> r = client.try_get_secret("maybe-missing");   // never throws kv::Error
 *   if (!r.ok() && r.error().status() == KV_STATUS_SECRET_NOT_FOUND) { ... }
 *
 * Conventions:
 *  - Every handle of kv.h has a move-only RAII owner here (Client, Credential, CredentialOptions,
 *    ClientOptions, Secret, SecretOptions, SecretIterator, Key, KeyOptions, KeyIterator,
 *    KeyRotationPolicy, CryptoParams, CryptoResult, Blob, SecretCache, SecretCacheOptions; kv_error
 *    is owned by kv::Error).
 *    A moved-from (or default-constructed) owner holds NULL: its accessors return empty values
 *    and calls through it fail with KV_STATUS_NULL_ARGUMENT, as kv.h documents for NULL. get()
 *    gives the raw handle for use with kv.h; release() gives up ownership.
 *  - Settings objects (ClientOptions, CredentialOptions, SecretOptions, KeyOptions, CryptoParams,
 *    KeyRotationPolicy) allocate their handle on the first setter; an untouched one stands for
 *    "defaults / none" (NULL in kv.h; an empty rotation policy for update_key_rotation_policy).
 *  - Failures throw kv::Error (a std::runtime_error carrying status, service code, inner code,
 *    HTTP status and request id). Every fallible call also has a non-throwing form named try_x
 *    that returns kv::Result<T> (the value or the kv::Error). Only std::bad_alloc escapes a
 *    try_ form (when memory is exhausted).
 *  - Outputs are views: std::string_view for kv_str, kv::bytes_view for kv_bytes. They borrow
 *    from the owner they came from and are valid as long as it lives. Copies made with
 *    to_string()/to_vector() are ordinary memory: kv zeroizes only its own buffers.
 *  - Text inputs are std::string_view (copied to NUL-terminated strings for the call; text with
 *    an embedded NUL byte gives KV_STATUS_INVALID_ARGUMENT). Byte inputs are kv::bytes_view,
 *    which converts from any contiguous container of bytes or chars (std::string,
 *    std::string_view, std::vector<uint8_t>, std::array, ...) or from {pointer, size}.
 *  - Thread safety is kv.h's: const Client methods may run concurrently; settings objects and
 *    iterators are used by one thread at a time; results are immutable.
 */

#ifndef KV_HPP
#define KV_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L))
#error "kv.hpp needs C++17 or later (e.g. -std=c++17)"
#endif

#include "kv.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace kv {

/// A point in time as kv gives and takes it: whole seconds on the system clock (the C API's Unix
/// seconds). `Time{}` (the epoch, 0 in C) means "not set" wherever the C API says 0 does.
using Time = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>;

/* ---------------------------------------------------------------------------------------------
 * Enumerations (the KV_* values of kv.h as scoped enums)
 * ------------------------------------------------------------------------------------------- */

/// Signature algorithms (KV_SIGNATURE_ALGORITHM_*). Digest sizes: 32 bytes for *256, 48 for
/// *384, 64 for *512.
enum class SignatureAlgorithm : kv_signature_algorithm {
    RS256 = KV_SIGNATURE_ALGORITHM_RS256,
    RS384 = KV_SIGNATURE_ALGORITHM_RS384,
    RS512 = KV_SIGNATURE_ALGORITHM_RS512,
    PS256 = KV_SIGNATURE_ALGORITHM_PS256,
    PS384 = KV_SIGNATURE_ALGORITHM_PS384,
    PS512 = KV_SIGNATURE_ALGORITHM_PS512,
    ES256 = KV_SIGNATURE_ALGORITHM_ES256,
    ES256K = KV_SIGNATURE_ALGORITHM_ES256K,
    ES384 = KV_SIGNATURE_ALGORITHM_ES384,
    ES512 = KV_SIGNATURE_ALGORITHM_ES512,
};

/// Encryption and key-wrap algorithms (KV_ENCRYPTION_ALGORITHM_*).
enum class EncryptionAlgorithm : kv_encryption_algorithm {
    RSA1_5 = KV_ENCRYPTION_ALGORITHM_RSA1_5,
    RSA_OAEP = KV_ENCRYPTION_ALGORITHM_RSA_OAEP,
    RSA_OAEP_256 = KV_ENCRYPTION_ALGORITHM_RSA_OAEP_256,
    A128GCM = KV_ENCRYPTION_ALGORITHM_A128GCM,
    A192GCM = KV_ENCRYPTION_ALGORITHM_A192GCM,
    A256GCM = KV_ENCRYPTION_ALGORITHM_A256GCM,
    A128CBC = KV_ENCRYPTION_ALGORITHM_A128CBC,
    A192CBC = KV_ENCRYPTION_ALGORITHM_A192CBC,
    A256CBC = KV_ENCRYPTION_ALGORITHM_A256CBC,
    A128CBCPAD = KV_ENCRYPTION_ALGORITHM_A128CBCPAD,
    A192CBCPAD = KV_ENCRYPTION_ALGORITHM_A192CBCPAD,
    A256CBCPAD = KV_ENCRYPTION_ALGORITHM_A256CBCPAD,
    A128KW = KV_ENCRYPTION_ALGORITHM_A128KW,
    A192KW = KV_ENCRYPTION_ALGORITHM_A192KW,
    A256KW = KV_ENCRYPTION_ALGORITHM_A256KW,
    CKM_AES_KEY_WRAP = KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP,
    CKM_AES_KEY_WRAP_PAD = KV_ENCRYPTION_ALGORITHM_CKM_AES_KEY_WRAP_PAD,
};

/// Key types for create_key (KV_KEY_TYPE_*).
enum class KeyType : kv_key_type {
    RSA = KV_KEY_TYPE_RSA,
    RSA_HSM = KV_KEY_TYPE_RSA_HSM,
    EC = KV_KEY_TYPE_EC,
    EC_HSM = KV_KEY_TYPE_EC_HSM,
    OCT = KV_KEY_TYPE_OCT,
    OCT_HSM = KV_KEY_TYPE_OCT_HSM,
};

/// Elliptic curves (KV_KEY_CURVE_*).
enum class KeyCurve : kv_key_curve {
    Default = KV_KEY_CURVE_DEFAULT,
    P256 = KV_KEY_CURVE_P256,
    P384 = KV_KEY_CURVE_P384,
    P521 = KV_KEY_CURVE_P521,
    P256K = KV_KEY_CURVE_P256K,
};

/// How release_key protects the released key (KV_KEY_RELEASE_ALGORITHM_*).
enum class KeyReleaseAlgorithm : kv_key_release_algorithm {
    ServiceDefault = KV_KEY_RELEASE_ALGORITHM_NONE,  ///< no `enc` is sent; the service chooses
    CKM_RSA_AES_KEY_WRAP = KV_KEY_RELEASE_ALGORITHM_CKM_RSA_AES_KEY_WRAP,
    RSA_AES_KEY_WRAP_256 = KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_256,
    RSA_AES_KEY_WRAP_384 = KV_KEY_RELEASE_ALGORITHM_RSA_AES_KEY_WRAP_384,
};

/// What a rotation policy action does (KV_KEY_ROTATION_ACTION_*; Unknown for a type kv does
/// not know).
enum class KeyRotationAction : kv_key_rotation_action {
    Unknown = 0,
    Rotate = KV_KEY_ROTATION_ACTION_ROTATE,
    Notify = KV_KEY_ROTATION_ACTION_NOTIFY,
};

/* ---------------------------------------------------------------------------------------------
 * Library information
 * ------------------------------------------------------------------------------------------- */

/// The library version, e.g. "0.1.0".
inline std::string_view version() noexcept { return kv_version(); }

/// Static description of a status ("unknown status" for values kv never returns).
inline std::string_view status_str(kv_status status) noexcept { return kv_status_str(status); }

/* ---------------------------------------------------------------------------------------------
 * Views
 * ------------------------------------------------------------------------------------------- */

/// A kv_str as a std::string_view (same bytes, borrowed).
inline std::string_view to_string_view(kv_str s) noexcept { return std::string_view(s.data, s.len); }

namespace detail {
template <typename C, typename = void>
struct is_byte_container : std::false_type {};
template <typename C>
struct is_byte_container<C, std::void_t<decltype(std::data(std::declval<const C&>())),
                                        decltype(std::size(std::declval<const C&>()))>>
    : std::bool_constant<
          std::is_pointer_v<decltype(std::data(std::declval<const C&>()))> &&
          sizeof(std::remove_pointer_t<decltype(std::data(std::declval<const C&>()))>) == 1 &&
          std::is_trivially_copyable_v<std::remove_pointer_t<decltype(std::data(std::declval<const C&>()))>> &&
          !std::is_array_v<C>> {};
}  // namespace detail

/// A borrowed, read-only byte range (pointer + size): std::span<const uint8_t> for C++17.
/// Converts implicitly from kv_bytes, from {pointer, size} and from contiguous containers of
/// bytes or chars (std::string, std::string_view, std::vector<uint8_t>, std::array, ...).
/// String literals are not accepted (use std::string_view to say whether the NUL counts).
class bytes_view {
public:
    using value_type = std::uint8_t;
    using size_type = std::size_t;
    using const_iterator = const std::uint8_t*;
    using iterator = const_iterator;

    constexpr bytes_view() noexcept = default;
    bytes_view(const void* data, std::size_t size) noexcept
        : data_(static_cast<const std::uint8_t*>(data)), size_(size) {}
    constexpr bytes_view(kv_bytes b) noexcept : data_(b.data), size_(b.len) {}
    template <typename C, typename = std::enable_if_t<detail::is_byte_container<C>::value &&
                                                      !std::is_same_v<C, bytes_view>>>
    bytes_view(const C& c) noexcept  // NOLINT(google-explicit-constructor): a view, like span
        : data_(reinterpret_cast<const std::uint8_t*>(std::data(c))), size_(std::size(c)) {}

    const std::uint8_t* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const_iterator begin() const noexcept { return data_; }
    const_iterator end() const noexcept { return data_ + size_; }
    std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }

    /// The bytes as text (no copy).
    std::string_view as_string_view() const noexcept {
        return std::string_view(reinterpret_cast<const char*>(data_), size_);
    }
    /// Copies.
    std::string to_string() const { return std::string(as_string_view()); }
    std::vector<std::uint8_t> to_vector() const { return std::vector<std::uint8_t>(begin(), end()); }

    friend bool operator==(bytes_view a, bytes_view b) noexcept {
        return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }
    friend bool operator!=(bytes_view a, bytes_view b) noexcept { return !(a == b); }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

/// A failed kv call: what() is kv's message; the other fields come from the kv_error, which this
/// object owns (shared between copies, freed with the last one). Cheap, noexcept copies.
class Error : public std::runtime_error {
public:
    /// Adopts `err` (may be NULL); `status` is what the call returned.
    Error(kv_status status, kv_error* err) : Error(status, adopt(err)) {}
    /// Adopts a kv_error from a kv.h call (its status is kv_error_status(err)).
    explicit Error(kv_error* err) : Error(kv_error_status(err), adopt(err)) {}
    /// An error made by the binding itself (no service fields).
    Error(kv_status status, const std::string& message)
        : std::runtime_error(message.empty() ? std::string(kv_status_str(status)) : message), status_(status) {}

    /// The KV_STATUS_* value.
    kv_status status() const noexcept { return status_; }
    /// The status's static description, e.g. "secret not found".
    std::string_view status_name() const noexcept { return kv_status_str(status_); }
    /// kv's message (the same text as what()).
    std::string_view message() const noexcept { return what(); }
    /// The service's outer error code, e.g. "SecretNotFound" ("" when not from the service).
    std::string_view code() const noexcept { return to_string_view(kv_error_service_code(err_.get())); }
    /// The innermost inner error code, e.g. "SecretDisabled" ("" when none).
    std::string_view inner_code() const noexcept { return to_string_view(kv_error_inner_code(err_.get())); }
    /// The reply's HTTP status (0 when no reply was received).
    std::uint16_t http_status() const noexcept { return kv_error_http_status(err_.get()); }
    /// The reply's x-ms-request-id ("" when none).
    std::string_view request_id() const noexcept { return to_string_view(kv_error_request_id(err_.get())); }
    /// The x-ms-client-request-id kv sent with every request of the call ("" when it sent none).
    std::string_view client_request_id() const noexcept {
        return to_string_view(kv_error_client_request_id(err_.get()));
    }
    /// How many requests the call sent (retries, challenge probes and redirects each count one).
    std::uint32_t attempts() const noexcept { return kv_error_attempts(err_.get()); }
    /// Time from the start of the vault call to its failure (rounded up to whole milliseconds;
    /// zero when the error did not come from a vault call).
    std::chrono::milliseconds elapsed() const noexcept {
        return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(kv_error_elapsed_ms(err_.get())));
    }
    /// The kv_error (NULL for errors made by the binding); valid while this Error lives.
    const kv_error* get() const noexcept { return err_.get(); }

    /// Everything in one line, for logs:
    /// "status (N): message [code=..., inner=..., http=..., request-id=..., client-request-id=...]".
    std::string to_string() const {
        std::string s(status_name());
        s += " (" + std::to_string(status_) + "): ";
        s += what();
        std::string extra;
        auto add = [&extra](const char* label, std::string_view v) {
            if (v.empty()) {
                return;
            }
            extra += extra.empty() ? "" : ", ";
            extra += label;
            extra += '=';
            extra += v;
        };
        add("code", code());
        add("inner", inner_code());
        const std::string http = http_status() ? std::to_string(http_status()) : std::string();
        add("http", http);
        add("request-id", request_id());
        add("client-request-id", client_request_id());
        if (!extra.empty()) {
            s += " [" + extra + "]";
        }
        return s;
    }

private:
    static std::shared_ptr<kv_error> adopt(kv_error* err) {
        // On allocation failure shared_ptr frees err with the deleter before throwing.
        return std::shared_ptr<kv_error>(err, [](kv_error* e) { kv_error_free(e); });
    }
    static std::string message_of(kv_status status, const kv_error* err) {
        const kv_str m = kv_error_message(err);
        return m.len ? std::string(m.data, m.len) : std::string(kv_status_str(status));
    }
    Error(kv_status status, std::shared_ptr<kv_error> err)
        : std::runtime_error(message_of(status, err.get())), err_(std::move(err)), status_(status) {}

    std::shared_ptr<kv_error> err_;
    kv_status status_;
};

/// The outcome of a try_ call: a T, or the kv::Error that a throwing call would have thrown.
/// value() gives the T (throwing the Error when there is none); error() gives the Error.
template <typename T>
class [[nodiscard]] Result {
    static_assert(!std::is_reference_v<T> && !std::is_same_v<std::decay_t<T>, Error>,
                  "kv::Result<T> holds a value type other than kv::Error");

public:
    using value_type = T;

    Result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit by design
        : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) noexcept : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    /// True when the call succeeded. (For Result<bool>, this is not the bool: use value().)
    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    /// KV_STATUS_OK, or the error's status.
    kv_status status() const noexcept { return ok() ? KV_STATUS_OK : std::get<1>(v_).status(); }

    /// The value; throws the kv::Error when the call failed.
    T& value() & {
        throw_if_error();
        return std::get<0>(v_);
    }
    const T& value() const& {
        throw_if_error();
        return std::get<0>(v_);
    }
    T value() && {
        throw_if_error();
        return std::move(std::get<0>(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The value, or `fallback` when the call failed.
    template <typename U>
    T value_or(U&& fallback) && {
        return ok() ? std::move(std::get<0>(v_)) : static_cast<T>(std::forward<U>(fallback));
    }
    template <typename U>
    T value_or(U&& fallback) const& {
        return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
    }

    /// The error; std::logic_error when the call succeeded.
    const Error& error() const {
        if (ok()) {
            throw std::logic_error("kv::Result::error(): the call succeeded");
        }
        return std::get<1>(v_);
    }

private:
    void throw_if_error() const {
        if (const Error* e = std::get_if<1>(&v_)) {
            throw *e;
        }
    }
    std::variant<T, Error> v_;
};

/// The outcome of a try_ call that returns nothing.
template <>
class [[nodiscard]] Result<void> {
public:
    using value_type = void;

    Result() noexcept = default;
    Result(Error error) noexcept : e_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const noexcept { return !e_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    kv_status status() const noexcept { return e_ ? e_->status() : KV_STATUS_OK; }
    /// Throws the kv::Error when the call failed.
    void value() const {
        if (e_) {
            throw *e_;
        }
    }
    const Error& error() const {
        if (!e_) {
            throw std::logic_error("kv::Result::error(): the call succeeded");
        }
        return *e_;
    }

private:
    std::optional<Error> e_;
};

/* ---------------------------------------------------------------------------------------------
 * Ownership
 * ------------------------------------------------------------------------------------------- */

/// Move-only owner of one kv handle, freed with `Free` (kv's _free functions accept NULL).
template <typename T, void (*Free)(T*)>
class unique_handle {
public:
    using c_type = T;

    constexpr unique_handle() noexcept = default;
    explicit unique_handle(T* adopt) noexcept : p_(adopt) {}
    unique_handle(unique_handle&& other) noexcept : p_(other.release()) {}
    unique_handle& operator=(unique_handle&& other) noexcept {
        reset(other.release());  // safe for self-move: release() then reset() to the same pointer
        return *this;
    }
    unique_handle(const unique_handle&) = delete;
    unique_handle& operator=(const unique_handle&) = delete;
    ~unique_handle() { Free(p_); }

    /// The raw handle (NULL when empty); still owned by this object.
    T* get() const noexcept { return p_; }
    /// Gives up ownership: the caller frees the returned handle.
    T* release() noexcept { return std::exchange(p_, nullptr); }
    /// Frees the current handle and adopts `p`.
    void reset(T* p = nullptr) noexcept {
        T* old = std::exchange(p_, p);
        if (old != nullptr) {
            Free(old);
        }
    }
    explicit operator bool() const noexcept { return p_ != nullptr; }

protected:
    /// The handle, created with `New` when there is none yet (settings objects).
    template <T* (*New)()>
    T* ensure() {
        if (p_ == nullptr) {
            p_ = New();
            if (p_ == nullptr) {
                throw std::bad_alloc();
            }
        }
        return p_;
    }

private:
    T* p_ = nullptr;
};

/// Owner of a raw kv_error (kv::Error owns one too, shared).
using ErrorHandle = unique_handle<kv_error, kv_error_free>;

namespace detail {

/// NUL-terminated copies of a call's text arguments (at most 4 per call), kept for the call.
class Args {
public:
    /// A required text argument.
    const char* text(std::string_view s, const char* what) {
        if (s.find('\0') != std::string_view::npos && bad_ == nullptr) {
            bad_ = what;
        }
        if (n_ == kMax) {
            throw std::logic_error("kv::detail::Args: too many arguments");
        }
        kept_[n_].assign(s.data() ? s.data() : "", s.size());
        return kept_[n_++].c_str();
    }
    /// An optional text argument: NULL when empty.
    const char* optional(std::string_view s, const char* what) { return s.empty() ? nullptr : text(s, what); }
    bool failed() const noexcept { return bad_ != nullptr; }
    Error error() const {
        return Error(KV_STATUS_INVALID_ARGUMENT, std::string("argument '") + bad_ + "' contains a NUL byte");
    }

private:
    static constexpr std::size_t kMax = 4;
    std::string kept_[kMax];
    std::size_t n_ = 0;
    const char* bad_ = nullptr;
};

/// Runs `f(&out, &err)` and wraps the handle it returns in `W`.
template <typename W, typename F>
Result<W> out_call(F&& f) {
    typename W::c_type* out = nullptr;
    kv_error* err = nullptr;
    const kv_status st = std::forward<F>(f)(&out, &err);
    W owned(out);  // outputs are written only on success; owned either way
    if (st != KV_STATUS_OK) {
        return Error(st, err);
    }
    kv_error_free(err);
    return Result<W>(std::move(owned));
}

/// Runs `f(&err)`.
template <typename F>
Result<void> void_call(F&& f) {
    kv_error* err = nullptr;
    const kv_status st = std::forward<F>(f)(&err);
    if (st != KV_STATUS_OK) {
        return Error(st, err);
    }
    kv_error_free(err);
    return {};
}

/// Runs `f(&flag, &err)` (verify calls).
template <typename F>
Result<bool> bool_call(F&& f) {
    bool flag = false;
    kv_error* err = nullptr;
    const kv_status st = std::forward<F>(f)(&flag, &err);
    if (st != KV_STATUS_OK) {
        return Error(st, err);
    }
    kv_error_free(err);
    return flag;
}

/// A copy of a tag name for the *_tag_get lookups (nullopt when it has a NUL byte).
inline std::optional<std::string> tag_name(std::string_view name) {
    if (name.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(name);
}

/// Overwrites a string that held a secret (not optimised away).
inline void wipe(std::string& s) noexcept {
    volatile char* p = s.empty() ? nullptr : &s[0];
    for (std::size_t i = 0; i < s.size(); ++i) {
        p[i] = 0;
    }
}

/// Owning copies of views (what the accessors of a temporary owner return).
inline std::optional<std::string> own(const std::optional<std::string_view>& v) {
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}
inline std::vector<std::string> own(const std::vector<std::string_view>& v) {
    return std::vector<std::string>(v.begin(), v.end());
}
inline std::vector<std::pair<std::string, std::string>> own(
    const std::vector<std::pair<std::string_view, std::string_view>>& v) {
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(v.size());
    for (const auto& p : v) {
        out.emplace_back(std::string(p.first), std::string(p.second));
    }
    return out;
}

/// A duration as milliseconds for kv (negative as 0).
inline std::uint64_t ms64(std::chrono::milliseconds d) noexcept {
    return d.count() <= 0 ? 0u : static_cast<std::uint64_t>(d.count());
}

inline std::uint32_t clamp_ms(std::chrono::milliseconds d) noexcept {
    if (d.count() <= 0) {
        return 0;
    }
    if (d.count() >= static_cast<std::chrono::milliseconds::rep>(std::numeric_limits<std::uint32_t>::max())) {
        return std::numeric_limits<std::uint32_t>::max();
    }
    return static_cast<std::uint32_t>(d.count());
}

/// An iterator owner (kv_secret_iter, kv_key_iter): next()/try_next() and range-for.
template <typename Item, typename CIter, void (*Free)(CIter*),
          kv_status (*Next)(CIter*, typename Item::c_type**, kv_error**)>
class basic_iter : public unique_handle<CIter, Free> {
public:
    using unique_handle<CIter, Free>::unique_handle;
    basic_iter() noexcept = default;

    /// The next item, an empty optional at the end of the list, or the error of a failed page
    /// fetch (the same page is tried again on the next call).
    Result<std::optional<Item>> try_next() {
        typename Item::c_type* raw = nullptr;
        kv_error* err = nullptr;
        const kv_status st = Next(this->get(), &raw, &err);
        Item item(raw);
        if (st != KV_STATUS_OK) {
            return Error(st, err);
        }
        kv_error_free(err);
        if (!item) {
            return std::optional<Item>();
        }
        return std::optional<Item>(std::move(item));
    }
    /// The next item, or an empty optional at the end; throws kv::Error when a page fetch fails.
    std::optional<Item> next() { return try_next().value(); }

    /// Single-pass input iterator over the remaining items; ++ (and begin()) throw kv::Error
    /// when a page fetch fails. The current item lives in the owner until the next ++.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Item;
        using difference_type = std::ptrdiff_t;
        using pointer = Item*;
        using reference = Item&;

        /// What it++ returns: the item it was at.
        class proxy {
        public:
            Item& operator*() noexcept { return item_; }
            Item* operator->() noexcept { return &item_; }

        private:
            friend class iterator;
            explicit proxy(Item&& item) noexcept : item_(std::move(item)) {}
            Item item_;
        };

        iterator() noexcept = default;
        reference operator*() const noexcept { return *owner_->current_; }
        pointer operator->() const noexcept { return &*owner_->current_; }
        iterator& operator++() {
            basic_iter* o = std::exchange(owner_, nullptr);
            if (o->advance()) {
                owner_ = o;
            }
            return *this;
        }
        proxy operator++(int) {
            proxy p(std::move(*owner_->current_));
            ++*this;
            return p;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.owner_ == b.owner_; }
        friend bool operator!=(const iterator& a, const iterator& b) noexcept { return a.owner_ != b.owner_; }

    private:
        friend class basic_iter;
        explicit iterator(basic_iter* owner) noexcept : owner_(owner) {}
        basic_iter* owner_ = nullptr;
    };

    /// Fetches the next item (each call to begin() continues where the last iteration stopped).
    iterator begin() { return advance() ? iterator(this) : iterator(); }
    iterator end() noexcept { return iterator(); }

private:
    bool advance() {
        current_.reset();
        current_ = next();
        return current_.has_value();
    }
    std::optional<Item> current_;
};

}  // namespace detail

/* Accessors of result owners come in pairs: on an lvalue owner they return views into it
 * (std::string_view, kv::bytes_view; valid while the owner lives), on a temporary owner owning
 * copies (std::string, std::vector<uint8_t>), so `auto v = client.get_secret(n).value();`
 * never dangles. */
#define KV_HPP_TEXT(method, expr)                                                                   \
    std::string_view method() const& noexcept { return ::kv::to_string_view(expr); }                \
    std::string method() const&& { return std::string(::kv::to_string_view(expr)); }
#define KV_HPP_BYTES(method, expr)                                                                  \
    ::kv::bytes_view method() const& noexcept { return ::kv::bytes_view(expr); }                    \
    std::vector<std::uint8_t> method() const&& { return ::kv::bytes_view(expr).to_vector(); }
#define KV_HPP_TEXT_AT(method, cfn)                                                                 \
    std::string_view method(std::size_t i) const& noexcept { return ::kv::to_string_view(cfn(get(), i)); } \
    std::string method(std::size_t i) const&& { return std::string(::kv::to_string_view(cfn(get(), i))); }

/* ---------------------------------------------------------------------------------------------
 * Results: Blob, CryptoResult, Secret, Key, KeyRotationPolicy
 * ------------------------------------------------------------------------------------------- */

/// Owned bytes (a backup, random bytes, a PEM or JSON text, a released key). NUL-terminated
/// after size(); zeroized when freed.
class Blob : public unique_handle<kv_blob, kv_blob_free> {
public:
    using unique_handle::unique_handle;
    Blob() noexcept = default;

    KV_HPP_BYTES(bytes, kv_blob_bytes(get()))
    const std::uint8_t* data() const noexcept { return bytes().data(); }
    std::size_t size() const noexcept { return bytes().size(); }
    bool empty() const noexcept { return size() == 0; }
    /// The bytes as text (PEM, JSON, JWS); NUL-terminated, so text().data() is a C string.
    std::string_view text() const& noexcept { return bytes().as_string_view(); }
    std::string text() const&& { return bytes().to_string(); }
    std::string to_string() const { return bytes().to_string(); }
    std::vector<std::uint8_t> to_vector() const { return bytes().to_vector(); }
};

/// The result of a crypto call (signature, ciphertext, plaintext, wrapped or unwrapped key).
class CryptoResult : public unique_handle<kv_crypto_result, kv_crypto_result_free> {
public:
    using unique_handle::unique_handle;
    CryptoResult() noexcept = default;

    /// The output bytes.
    KV_HPP_BYTES(value, kv_crypto_result_value(get()))
    /// The iv the vault used (AES encrypt and wrap; empty otherwise).
    KV_HPP_BYTES(iv, kv_crypto_result_iv(get()))
    /// The authentication tag (AES-GCM encrypt and wrap; empty otherwise).
    KV_HPP_BYTES(tag, kv_crypto_result_tag(get()))
    /// The additional authenticated data the vault echoed (AES-GCM; empty otherwise).
    KV_HPP_BYTES(aad, kv_crypto_result_aad(get()))
    /// The id of the key version that did the work ("" when unknown).
    KV_HPP_TEXT(key_id, kv_crypto_result_key_id(get()))
};

/// A secret (value, identifiers, properties). The value is zeroized when freed.
class Secret : public unique_handle<kv_secret, kv_secret_free> {
public:
    using unique_handle::unique_handle;
    Secret() noexcept = default;

    /// The value, byte-exact (may contain NUL bytes); empty for list items and deleted secrets.
    KV_HPP_TEXT(value, kv_secret_value(get()))
    KV_HPP_TEXT(id, kv_secret_id(get()))
    KV_HPP_TEXT(name, kv_secret_name(get()))
    KV_HPP_TEXT(version, kv_secret_version(get()))
    KV_HPP_TEXT(content_type, kv_secret_content_type(get()))
    KV_HPP_TEXT(key_id, kv_secret_key_id(get()))
    bool enabled() const noexcept { return kv_secret_enabled(get()); }
    bool managed() const noexcept { return kv_secret_managed(get()); }
    /// Times in Unix seconds (0 when unknown / not set).
    std::int64_t created() const noexcept { return kv_secret_created(get()); }
    /// created() as a std::chrono time (Time{} when not set).
    Time created_time() const noexcept { return Time(std::chrono::seconds(created())); }
    std::int64_t updated() const noexcept { return kv_secret_updated(get()); }
    /// updated() as a std::chrono time (Time{} when not set).
    Time updated_time() const noexcept { return Time(std::chrono::seconds(updated())); }
    std::int64_t not_before() const noexcept { return kv_secret_not_before(get()); }
    /// not_before() as a std::chrono time (Time{} when not set).
    Time not_before_time() const noexcept { return Time(std::chrono::seconds(not_before())); }
    std::int64_t expires() const noexcept { return kv_secret_expires(get()); }
    /// expires() as a std::chrono time (Time{} when not set).
    Time expires_time() const noexcept { return Time(std::chrono::seconds(expires())); }
    KV_HPP_TEXT(recovery_level, kv_secret_recovery_level(get()))
    std::int32_t recoverable_days() const noexcept { return kv_secret_recoverable_days(get()); }
    std::int64_t deleted_date() const noexcept { return kv_secret_deleted_date(get()); }
    /// deleted_date() as a std::chrono time (Time{} when not set).
    Time deleted_date_time() const noexcept { return Time(std::chrono::seconds(deleted_date())); }
    std::int64_t scheduled_purge_date() const noexcept { return kv_secret_scheduled_purge_date(get()); }
    /// scheduled_purge_date() as a std::chrono time (Time{} when not set).
    Time scheduled_purge_date_time() const noexcept { return Time(std::chrono::seconds(scheduled_purge_date())); }
    KV_HPP_TEXT(recovery_id, kv_secret_recovery_id(get()))

    /// Tags, ordered by name.
    std::size_t tag_count() const noexcept { return kv_secret_tag_count(get()); }
    KV_HPP_TEXT_AT(tag_name, kv_secret_tag_name)
    KV_HPP_TEXT_AT(tag_value, kv_secret_tag_value)
    /// The value of tag `name`, if present.
    std::optional<std::string_view> tag(std::string_view name) const& {
        const std::optional<std::string> n = detail::tag_name(name);
        kv_str v{};
        if (n && kv_secret_tag_get(get(), n->c_str(), &v)) {
            return to_string_view(v);
        }
        return std::nullopt;
    }
    std::optional<std::string> tag(std::string_view name) const&& { return detail::own(tag(name)); }
    /// All tags as (name, value) pairs.
    std::vector<std::pair<std::string_view, std::string_view>> tags() const& {
        std::vector<std::pair<std::string_view, std::string_view>> out;
        const std::size_t n = tag_count();
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            out.emplace_back(tag_name(i), tag_value(i));
        }
        return out;
    }
    std::vector<std::pair<std::string, std::string>> tags() const&& { return detail::own(tags()); }
};

/// A key (identifiers, public key material, permitted operations, properties). Also runs
/// public-key operations locally (verify, encrypt, wrap_key) without a request.
class Key : public unique_handle<kv_key, kv_key_free> {
public:
    using unique_handle::unique_handle;
    Key() noexcept = default;

    /// Builds a key from a JSON Web Key or a key bundle for local operations (no request).
    static Result<Key> try_from_jwk(std::string_view jwk_json) {
        detail::Args a;
        const char* j = a.text(jwk_json, "jwk_json");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Key>([&](kv_key** out, kv_error** err) { return kv_key_from_jwk(j, out, err); });
    }
    static Key from_jwk(std::string_view jwk_json) { return try_from_jwk(jwk_json).value(); }

    KV_HPP_TEXT(id, kv_key_id(get()))
    KV_HPP_TEXT(name, kv_key_name(get()))
    KV_HPP_TEXT(version, kv_key_version(get()))
    /// "RSA", "RSA-HSM", "EC", "EC-HSM", "oct" or "oct-HSM" ("" for list items).
    KV_HPP_TEXT(type_name, kv_key_type_name(get()))
    /// "P-256", "P-384", "P-521" or "P-256K" ("" for non-EC keys).
    KV_HPP_TEXT(curve_name, kv_key_curve_name(get()))
    KV_HPP_BYTES(n, kv_key_n(get()))
    KV_HPP_BYTES(e, kv_key_e(get()))
    KV_HPP_BYTES(x, kv_key_x(get()))
    KV_HPP_BYTES(y, kv_key_y(get()))

    /// Permitted operations (key_ops), e.g. "sign".
    std::size_t operation_count() const noexcept { return kv_key_operation_count(get()); }
    KV_HPP_TEXT_AT(operation, kv_key_operation)
    std::vector<std::string_view> operations() const& {
        std::vector<std::string_view> out;
        const std::size_t n = operation_count();
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(operation(i));
        }
        return out;
    }
    std::vector<std::string> operations() const&& { return detail::own(operations()); }

    bool enabled() const noexcept { return kv_key_enabled(get()); }
    bool exportable() const noexcept { return kv_key_exportable(get()); }
    bool managed() const noexcept { return kv_key_managed(get()); }
    /// Times in Unix seconds (0 when unknown / not set).
    std::int64_t created() const noexcept { return kv_key_created(get()); }
    /// created() as a std::chrono time (Time{} when not set).
    Time created_time() const noexcept { return Time(std::chrono::seconds(created())); }
    std::int64_t updated() const noexcept { return kv_key_updated(get()); }
    /// updated() as a std::chrono time (Time{} when not set).
    Time updated_time() const noexcept { return Time(std::chrono::seconds(updated())); }
    std::int64_t not_before() const noexcept { return kv_key_not_before(get()); }
    /// not_before() as a std::chrono time (Time{} when not set).
    Time not_before_time() const noexcept { return Time(std::chrono::seconds(not_before())); }
    std::int64_t expires() const noexcept { return kv_key_expires(get()); }
    /// expires() as a std::chrono time (Time{} when not set).
    Time expires_time() const noexcept { return Time(std::chrono::seconds(expires())); }
    KV_HPP_TEXT(recovery_level, kv_key_recovery_level(get()))
    std::int32_t recoverable_days() const noexcept { return kv_key_recoverable_days(get()); }
    KV_HPP_TEXT(recovery_id, kv_key_recovery_id(get()))
    std::int64_t deleted_date() const noexcept { return kv_key_deleted_date(get()); }
    /// deleted_date() as a std::chrono time (Time{} when not set).
    Time deleted_date_time() const noexcept { return Time(std::chrono::seconds(deleted_date())); }
    std::int64_t scheduled_purge_date() const noexcept { return kv_key_scheduled_purge_date(get()); }
    /// scheduled_purge_date() as a std::chrono time (Time{} when not set).
    Time scheduled_purge_date_time() const noexcept { return Time(std::chrono::seconds(scheduled_purge_date())); }

    /// Tags, ordered by name.
    std::size_t tag_count() const noexcept { return kv_key_tag_count(get()); }
    KV_HPP_TEXT_AT(tag_name, kv_key_tag_name)
    KV_HPP_TEXT_AT(tag_value, kv_key_tag_value)
    /// The value of tag `name`, if present.
    std::optional<std::string_view> tag(std::string_view name) const& {
        const std::optional<std::string> n = detail::tag_name(name);
        kv_str v{};
        if (n && kv_key_tag_get(get(), n->c_str(), &v)) {
            return to_string_view(v);
        }
        return std::nullopt;
    }
    std::optional<std::string> tag(std::string_view name) const&& { return detail::own(tag(name)); }
    /// All tags as (name, value) pairs.
    std::vector<std::pair<std::string_view, std::string_view>> tags() const& {
        std::vector<std::pair<std::string_view, std::string_view>> out;
        const std::size_t n = tag_count();
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            out.emplace_back(tag_name(i), tag_value(i));
        }
        return out;
    }
    std::vector<std::pair<std::string, std::string>> tags() const&& { return detail::own(tags()); }

    /// Release policy (empty / "" / false when the key has none).
    KV_HPP_BYTES(release_policy, kv_key_release_policy(get()))
    KV_HPP_TEXT(release_policy_content_type, kv_key_release_policy_content_type(get()))
    bool release_policy_immutable() const noexcept { return kv_key_release_policy_immutable(get()); }
    KV_HPP_TEXT(hsm_platform, kv_key_hsm_platform(get()))

    /// Attestation (from Client::get_key_attestation; empty otherwise).
    KV_HPP_TEXT(attestation_version, kv_key_attestation_version(get()))
    KV_HPP_BYTES(attestation_private, kv_key_attestation_private(get()))
    KV_HPP_BYTES(attestation_public, kv_key_attestation_public(get()))
    KV_HPP_BYTES(attestation_certificate, kv_key_attestation_certificate(get()))

    /// Verifies a signature over a digest locally. The bool is whether the signature is valid;
    /// an error means the check could not run (operation not permitted, key expired, ...).
    Result<bool> try_verify(SignatureAlgorithm alg, bytes_view digest, bytes_view signature) const {
        return detail::bool_call([&](bool* valid, kv_error** err) {
            return kv_key_verify(get(), static_cast<kv_signature_algorithm>(alg), digest.data(), digest.size(),
                                 signature.data(), signature.size(), valid, err);
        });
    }
    bool verify(SignatureAlgorithm alg, bytes_view digest, bytes_view signature) const {
        return try_verify(alg, digest, signature).value();
    }
    /// Hashes `data` with the algorithm's hash, then verifies locally.
    Result<bool> try_verify_data(SignatureAlgorithm alg, bytes_view data, bytes_view signature) const {
        return detail::bool_call([&](bool* valid, kv_error** err) {
            return kv_key_verify_data(get(), static_cast<kv_signature_algorithm>(alg), data.data(), data.size(),
                                      signature.data(), signature.size(), valid, err);
        });
    }
    bool verify_data(SignatureAlgorithm alg, bytes_view data, bytes_view signature) const {
        return try_verify_data(alg, data, signature).value();
    }
    /// Encrypts locally with the RSA public key (RSA1_5, RSA_OAEP, RSA_OAEP_256).
    Result<CryptoResult> try_encrypt(EncryptionAlgorithm alg, bytes_view plaintext) const {
        return detail::out_call<CryptoResult>([&](kv_crypto_result** out, kv_error** err) {
            return kv_key_encrypt(get(), static_cast<kv_encryption_algorithm>(alg), plaintext.data(),
                                  plaintext.size(), out, err);
        });
    }
    CryptoResult encrypt(EncryptionAlgorithm alg, bytes_view plaintext) const {
        return try_encrypt(alg, plaintext).value();
    }
    /// Wraps a symmetric key locally with the RSA public key.
    Result<CryptoResult> try_wrap_key(EncryptionAlgorithm alg, bytes_view key) const {
        return detail::out_call<CryptoResult>([&](kv_crypto_result** out, kv_error** err) {
            return kv_key_wrap_key(get(), static_cast<kv_encryption_algorithm>(alg), key.data(), key.size(), out,
                                   err);
        });
    }
    CryptoResult wrap_key(EncryptionAlgorithm alg, bytes_view key) const { return try_wrap_key(alg, key).value(); }
    /// The public key as SubjectPublicKeyInfo PEM text.
    Result<Blob> try_public_pem() const {
        return detail::out_call<Blob>([&](kv_blob** out, kv_error** err) { return kv_key_public_pem(get(), out, err); });
    }
    Blob public_pem() const { return try_public_pem().value(); }
    /// The key as JSON Web Key text (public members only).
    Result<Blob> try_public_jwk() const {
        return detail::out_call<Blob>([&](kv_blob** out, kv_error** err) { return kv_key_public_jwk(get(), out, err); });
    }
    Blob public_jwk() const { return try_public_jwk().value(); }
};

/// A key rotation policy: read with Client::get_key_rotation_policy, or build one (the handle is
/// created by the first setter; an untouched policy is an empty policy).
class KeyRotationPolicy : public unique_handle<kv_key_rotation_policy, kv_key_rotation_policy_free> {
public:
    using unique_handle::unique_handle;
    KeyRotationPolicy() noexcept = default;

    /// Expiry of new key versions as an ISO-8601 duration, e.g. "P90D" ("" removes it).
    Result<void> try_set_expiry_time(std::string_view duration) {
        detail::Args a;
        const char* d = a.optional(duration, "duration");
        if (a.failed()) {
            return a.error();
        }
        kv_key_rotation_policy* p = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_rotation_policy_set_expiry_time(p, d, err); });
    }
    KeyRotationPolicy& set_expiry_time(std::string_view duration) {
        try_set_expiry_time(duration).value();
        return *this;
    }
    /// Appends an action triggered `time_after_create` after creation or `time_before_expiry`
    /// before expiry (ISO-8601 durations; give exactly one, leave the other "").
    Result<void> try_add_action(KeyRotationAction action, std::string_view time_after_create,
                                std::string_view time_before_expiry) {
        detail::Args a;
        const char* after = a.optional(time_after_create, "time_after_create");
        const char* before = a.optional(time_before_expiry, "time_before_expiry");
        if (a.failed()) {
            return a.error();
        }
        kv_key_rotation_policy* p = handle();
        return detail::void_call([&](kv_error** err) {
            return kv_key_rotation_policy_add_action(p, static_cast<kv_key_rotation_action>(action), after, before,
                                                     err);
        });
    }
    KeyRotationPolicy& add_action(KeyRotationAction action, std::string_view time_after_create,
                                  std::string_view time_before_expiry) {
        try_add_action(action, time_after_create, time_before_expiry).value();
        return *this;
    }
    KeyRotationPolicy& add_action_after_create(KeyRotationAction action, std::string_view duration) {
        return add_action(action, duration, {});
    }
    KeyRotationPolicy& add_action_before_expiry(KeyRotationAction action, std::string_view duration) {
        return add_action(action, {}, duration);
    }

    KV_HPP_TEXT(id, kv_key_rotation_policy_id(get()))
    KV_HPP_TEXT(expiry_time, kv_key_rotation_policy_expiry_time(get()))
    std::size_t action_count() const noexcept { return kv_key_rotation_policy_action_count(get()); }
    KeyRotationAction action_type(std::size_t i) const noexcept {
        return static_cast<KeyRotationAction>(kv_key_rotation_policy_action_type(get(), i));
    }
    KV_HPP_TEXT_AT(action_time_after_create, kv_key_rotation_policy_action_time_after_create)
    KV_HPP_TEXT_AT(action_time_before_expiry, kv_key_rotation_policy_action_time_before_expiry)
    std::int64_t created() const noexcept { return kv_key_rotation_policy_created(get()); }
    /// created() as a std::chrono time (Time{} when not set).
    Time created_time() const noexcept { return Time(std::chrono::seconds(created())); }
    std::int64_t updated() const noexcept { return kv_key_rotation_policy_updated(get()); }
    /// updated() as a std::chrono time (Time{} when not set).
    Time updated_time() const noexcept { return Time(std::chrono::seconds(updated())); }

private:
    friend class Client;
    kv_key_rotation_policy* handle() { return ensure<kv_key_rotation_policy_new>(); }
};

/* ---------------------------------------------------------------------------------------------
 * Iterators
 * ------------------------------------------------------------------------------------------- */

/// A secrets list, fetched page by page: `while (auto s = it.next())` or
/// `for (kv::Secret& s : client.list_secrets())`.
class SecretIterator
    : public detail::basic_iter<Secret, kv_secret_iter, kv_secret_iter_free, kv_secret_iter_next> {
public:
    using basic_iter::basic_iter;
    SecretIterator() noexcept = default;
};

/// A keys list, fetched page by page (like SecretIterator).
class KeyIterator : public detail::basic_iter<Key, kv_key_iter, kv_key_iter_free, kv_key_iter_next> {
public:
    using basic_iter::basic_iter;
    KeyIterator() noexcept = default;
};

/* ---------------------------------------------------------------------------------------------
 * Settings: ClientOptions, CredentialOptions, SecretOptions, KeyOptions, CryptoParams
 * Setters return *this (throwing form) or Result<void> (try_ form).
 * ------------------------------------------------------------------------------------------- */

/// Client settings (untouched = kv's defaults).
class ClientOptions : public unique_handle<kv_client_options, kv_client_options_free> {
public:
    using unique_handle::unique_handle;
    ClientOptions() noexcept = default;

    Result<void> try_set_api_version(std::string_view v) { return text(v, "api_version", kv_client_options_set_api_version); }
    ClientOptions& set_api_version(std::string_view v) { return done(try_set_api_version(v)); }
    /// Trusts the CA certificates of a PEM file (read now) besides the system roots.
    Result<void> try_set_ca_file(std::string_view pem_path) { return text(pem_path, "pem_path", kv_client_options_set_ca_file); }
    ClientOptions& set_ca_file(std::string_view pem_path) { return done(try_set_ca_file(pem_path)); }
    Result<void> try_set_verify_challenge_resource(bool on) { return flag(on, kv_client_options_set_verify_challenge_resource); }
    ClientOptions& set_verify_challenge_resource(bool on) { return done(try_set_verify_challenge_resource(on)); }
    Result<void> try_set_method_override(bool on) { return flag(on, kv_client_options_set_method_override); }
    ClientOptions& set_method_override(bool on) { return done(try_set_method_override(on)); }
    Result<void> try_set_allow_insecure_http(bool on) { return flag(on, kv_client_options_set_allow_insecure_http); }
    ClientOptions& set_allow_insecure_http(bool on) { return done(try_set_allow_insecure_http(on)); }
    Result<void> try_set_connect_timeout_ms(std::uint64_t ms) { return number(ms, kv_client_options_set_connect_timeout_ms); }
    ClientOptions& set_connect_timeout_ms(std::uint64_t ms) { return done(try_set_connect_timeout_ms(ms)); }
    Result<void> try_set_read_timeout_ms(std::uint64_t ms) { return number(ms, kv_client_options_set_read_timeout_ms); }
    ClientOptions& set_read_timeout_ms(std::uint64_t ms) { return done(try_set_read_timeout_ms(ms)); }
    Result<void> try_set_call_timeout_ms(std::uint64_t ms) { return number(ms, kv_client_options_set_call_timeout_ms); }
    ClientOptions& set_call_timeout_ms(std::uint64_t ms) { return done(try_set_call_timeout_ms(ms)); }
    /// The timeouts as std::chrono durations (rounded up to whole milliseconds).
    ClientOptions& set_connect_timeout(std::chrono::milliseconds d) { return set_connect_timeout_ms(detail::ms64(d)); }
    ClientOptions& set_read_timeout(std::chrono::milliseconds d) { return set_read_timeout_ms(detail::ms64(d)); }
    ClientOptions& set_call_timeout(std::chrono::milliseconds d) { return set_call_timeout_ms(detail::ms64(d)); }
    Result<void> try_set_max_retries(std::uint32_t retries) {
        kv_client_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_client_options_set_max_retries(o, retries, err); });
    }
    ClientOptions& set_max_retries(std::uint32_t retries) { return done(try_set_max_retries(retries)); }
    Result<void> try_set_retry_delay_ms(std::uint64_t initial_ms, std::uint64_t max_ms) {
        kv_client_options* o = handle();
        return detail::void_call(
            [&](kv_error** err) { return kv_client_options_set_retry_delay_ms(o, initial_ms, max_ms, err); });
    }
    ClientOptions& set_retry_delay_ms(std::uint64_t initial_ms, std::uint64_t max_ms) {
        return done(try_set_retry_delay_ms(initial_ms, max_ms));
    }
    ClientOptions& set_retry_delay(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
        return set_retry_delay_ms(detail::ms64(initial), detail::ms64(max));
    }

private:
    kv_client_options* handle() { return ensure<kv_client_options_new>(); }
    ClientOptions& done(const Result<void>& r) {
        r.value();
        return *this;
    }
    Result<void> text(std::string_view v, const char* what, kv_status (*set)(kv_client_options*, const char*, kv_error**)) {
        detail::Args a;
        const char* s = a.text(v, what);
        if (a.failed()) {
            return a.error();
        }
        kv_client_options* o = handle();
        return detail::void_call([&](kv_error** err) { return set(o, s, err); });
    }
    Result<void> flag(bool on, kv_status (*set)(kv_client_options*, bool, kv_error**)) {
        kv_client_options* o = handle();
        return detail::void_call([&](kv_error** err) { return set(o, on, err); });
    }
    Result<void> number(std::uint64_t v, kv_status (*set)(kv_client_options*, std::uint64_t, kv_error**)) {
        kv_client_options* o = handle();
        return detail::void_call([&](kv_error** err) { return set(o, v, err); });
    }
};

/// Settings of the credentials that request tokens (untouched = defaults).
class CredentialOptions : public unique_handle<kv_credential_options, kv_credential_options_free> {
public:
    using unique_handle::unique_handle;
    CredentialOptions() noexcept = default;

    /// The identity platform host (an https:// URL).
    Result<void> try_set_authority_host(std::string_view url) { return text(url, "url", kv_credential_options_set_authority_host); }
    CredentialOptions& set_authority_host(std::string_view url) { return done(try_set_authority_host(url)); }
    /// Trusts the CA certificates of a PEM file for token requests.
    Result<void> try_set_ca_file(std::string_view pem_path) { return text(pem_path, "pem_path", kv_credential_options_set_ca_file); }
    CredentialOptions& set_ca_file(std::string_view pem_path) { return done(try_set_ca_file(pem_path)); }
    /// Allows a vault's challenge to name this tenant ("*" = any). Once per tenant.
    Result<void> try_add_allowed_tenant(std::string_view tenant) { return text(tenant, "tenant", kv_credential_options_add_allowed_tenant); }
    CredentialOptions& add_allowed_tenant(std::string_view tenant) { return done(try_add_allowed_tenant(tenant)); }
    /// Time allowed for one token request (retries included).
    Result<void> try_set_timeout_ms(std::uint64_t ms) {
        kv_credential_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_credential_options_set_timeout_ms(o, ms, err); });
    }
    CredentialOptions& set_timeout_ms(std::uint64_t ms) { return done(try_set_timeout_ms(ms)); }
    CredentialOptions& set_timeout(std::chrono::milliseconds d) { return set_timeout_ms(detail::ms64(d)); }
    /// Whether certificate credentials send the certificate chain (x5c).
    Result<void> try_set_send_certificate_chain(bool on) {
        kv_credential_options* o = handle();
        return detail::void_call(
            [&](kv_error** err) { return kv_credential_options_set_send_certificate_chain(o, on, err); });
    }
    CredentialOptions& set_send_certificate_chain(bool on) { return done(try_set_send_certificate_chain(on)); }
    /// A user-assigned managed identity by client id, object id or resource id.
    Result<void> try_set_managed_identity_client_id(std::string_view id) {
        return text(id, "client_id", kv_credential_options_set_managed_identity_client_id);
    }
    CredentialOptions& set_managed_identity_client_id(std::string_view id) {
        return done(try_set_managed_identity_client_id(id));
    }
    Result<void> try_set_managed_identity_object_id(std::string_view id) {
        return text(id, "object_id", kv_credential_options_set_managed_identity_object_id);
    }
    CredentialOptions& set_managed_identity_object_id(std::string_view id) {
        return done(try_set_managed_identity_object_id(id));
    }
    Result<void> try_set_managed_identity_resource_id(std::string_view id) {
        return text(id, "resource_id", kv_credential_options_set_managed_identity_resource_id);
    }
    CredentialOptions& set_managed_identity_resource_id(std::string_view id) {
        return done(try_set_managed_identity_resource_id(id));
    }
    /// Time allowed for the first IMDS probe.
    Result<void> try_set_imds_probe_timeout_ms(std::uint64_t ms) {
        kv_credential_options* o = handle();
        return detail::void_call(
            [&](kv_error** err) { return kv_credential_options_set_imds_probe_timeout_ms(o, ms, err); });
    }
    CredentialOptions& set_imds_probe_timeout_ms(std::uint64_t ms) { return done(try_set_imds_probe_timeout_ms(ms)); }
    CredentialOptions& set_imds_probe_timeout(std::chrono::milliseconds d) {
        return set_imds_probe_timeout_ms(detail::ms64(d));
    }

private:
    kv_credential_options* handle() { return ensure<kv_credential_options_new>(); }
    CredentialOptions& done(const Result<void>& r) {
        r.value();
        return *this;
    }
    Result<void> text(std::string_view v, const char* what,
                      kv_status (*set)(kv_credential_options*, const char*, kv_error**)) {
        detail::Args a;
        const char* s = a.text(v, what);
        if (a.failed()) {
            return a.error();
        }
        kv_credential_options* o = handle();
        return detail::void_call([&](kv_error** err) { return set(o, s, err); });
    }
};

/// Properties for set_secret and update_secret_properties (only what is set is sent).
class SecretOptions : public unique_handle<kv_secret_options, kv_secret_options_free> {
public:
    using unique_handle::unique_handle;
    SecretOptions() noexcept = default;

    Result<void> try_set_content_type(std::string_view content_type) {
        detail::Args a;
        const char* c = a.text(content_type, "content_type");
        if (a.failed()) {
            return a.error();
        }
        kv_secret_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_options_set_content_type(o, c, err); });
    }
    SecretOptions& set_content_type(std::string_view content_type) { return done(try_set_content_type(content_type)); }
    Result<void> try_set_enabled(bool enabled) {
        kv_secret_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_options_set_enabled(o, enabled, err); });
    }
    SecretOptions& set_enabled(bool enabled) { return done(try_set_enabled(enabled)); }
    /// Unix seconds.
    Result<void> try_set_not_before(std::int64_t unix_seconds) {
        kv_secret_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_options_set_not_before(o, unix_seconds, err); });
    }
    SecretOptions& set_not_before(std::int64_t unix_seconds) { return done(try_set_not_before(unix_seconds)); }
    /// not_before as a std::chrono time.
    Result<void> try_set_not_before(Time t) { return try_set_not_before(static_cast<std::int64_t>(t.time_since_epoch().count())); }
    /// not_before as a std::chrono time (throws kv::Error on failure).
    SecretOptions& set_not_before(Time t) { return done(try_set_not_before(t)); }
    /// Unix seconds.
    Result<void> try_set_expires(std::int64_t unix_seconds) {
        kv_secret_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_options_set_expires(o, unix_seconds, err); });
    }
    SecretOptions& set_expires(std::int64_t unix_seconds) { return done(try_set_expires(unix_seconds)); }
    /// expires as a std::chrono time.
    Result<void> try_set_expires(Time t) { return try_set_expires(static_cast<std::int64_t>(t.time_since_epoch().count())); }
    /// expires as a std::chrono time (throws kv::Error on failure).
    SecretOptions& set_expires(Time t) { return done(try_set_expires(t)); }
    /// Adds or replaces a tag (once any tag is set, the call replaces all tags).
    Result<void> try_set_tag(std::string_view key, std::string_view value) {
        detail::Args a;
        const char* k = a.text(key, "key");
        const char* v = a.text(value, "value");
        if (a.failed()) {
            return a.error();
        }
        kv_secret_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_options_set_tag(o, k, v, err); });
    }
    SecretOptions& set_tag(std::string_view key, std::string_view value) { return done(try_set_tag(key, value)); }
    /// Marks the tags as set and empty (an update then removes all tags).
    Result<void> try_clear_tags() {
        kv_secret_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_options_clear_tags(o, err); });
    }
    SecretOptions& clear_tags() { return done(try_clear_tags()); }

private:
    kv_secret_options* handle() { return ensure<kv_secret_options_new>(); }
    SecretOptions& done(const Result<void>& r) {
        r.value();
        return *this;
    }
};

/// Properties and parameters for create_key, import_key_* and update_key_properties.
class KeyOptions : public unique_handle<kv_key_options, kv_key_options_free> {
public:
    using unique_handle::unique_handle;
    KeyOptions() noexcept = default;

    /// RSA: 2048, 3072, 4096; oct: 128, 192, 256 (create_key only).
    Result<void> try_set_key_size(std::uint32_t bits) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_key_size(o, bits, err); });
    }
    KeyOptions& set_key_size(std::uint32_t bits) { return done(try_set_key_size(bits)); }
    Result<void> try_set_public_exponent(std::uint32_t exponent) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_public_exponent(o, exponent, err); });
    }
    KeyOptions& set_public_exponent(std::uint32_t exponent) { return done(try_set_public_exponent(exponent)); }
    Result<void> try_set_curve(KeyCurve curve) {
        kv_key_options* o = handle();
        return detail::void_call(
            [&](kv_error** err) { return kv_key_options_set_curve(o, static_cast<kv_key_curve>(curve), err); });
    }
    KeyOptions& set_curve(KeyCurve curve) { return done(try_set_curve(curve)); }
    /// HSM protection of an imported key (import_key_* only).
    Result<void> try_set_hsm(bool hsm) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_hsm(o, hsm, err); });
    }
    KeyOptions& set_hsm(bool hsm) { return done(try_set_hsm(hsm)); }
    Result<void> try_set_enabled(bool enabled) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_enabled(o, enabled, err); });
    }
    KeyOptions& set_enabled(bool enabled) { return done(try_set_enabled(enabled)); }
    /// Unix seconds.
    Result<void> try_set_not_before(std::int64_t unix_seconds) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_not_before(o, unix_seconds, err); });
    }
    KeyOptions& set_not_before(std::int64_t unix_seconds) { return done(try_set_not_before(unix_seconds)); }
    /// not_before as a std::chrono time.
    Result<void> try_set_not_before(Time t) { return try_set_not_before(static_cast<std::int64_t>(t.time_since_epoch().count())); }
    /// not_before as a std::chrono time (throws kv::Error on failure).
    KeyOptions& set_not_before(Time t) { return done(try_set_not_before(t)); }
    /// Unix seconds.
    Result<void> try_set_expires(std::int64_t unix_seconds) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_expires(o, unix_seconds, err); });
    }
    KeyOptions& set_expires(std::int64_t unix_seconds) { return done(try_set_expires(unix_seconds)); }
    /// expires as a std::chrono time.
    Result<void> try_set_expires(Time t) { return try_set_expires(static_cast<std::int64_t>(t.time_since_epoch().count())); }
    /// expires as a std::chrono time (throws kv::Error on failure).
    KeyOptions& set_expires(Time t) { return done(try_set_expires(t)); }
    Result<void> try_set_exportable(bool exportable) {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_exportable(o, exportable, err); });
    }
    KeyOptions& set_exportable(bool exportable) { return done(try_set_exportable(exportable)); }
    /// Adds a permitted operation: "encrypt", "decrypt", "sign", "verify", "wrapKey",
    /// "unwrapKey", "import" or "export" (then exactly the added operations are set).
    Result<void> try_add_operation(std::string_view operation) {
        detail::Args a;
        const char* op = a.text(operation, "operation");
        if (a.failed()) {
            return a.error();
        }
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_add_operation(o, op, err); });
    }
    KeyOptions& add_operation(std::string_view operation) { return done(try_add_operation(operation)); }
    Result<void> try_set_tag(std::string_view key, std::string_view value) {
        detail::Args a;
        const char* k = a.text(key, "key");
        const char* v = a.text(value, "value");
        if (a.failed()) {
            return a.error();
        }
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_set_tag(o, k, v, err); });
    }
    KeyOptions& set_tag(std::string_view key, std::string_view value) { return done(try_set_tag(key, value)); }
    Result<void> try_clear_tags() {
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_key_options_clear_tags(o, err); });
    }
    KeyOptions& clear_tags() { return done(try_clear_tags()); }
    /// The secure key release policy document; content_type "" = the service default.
    Result<void> try_set_release_policy(bytes_view data, std::string_view content_type = {}, bool immutable = false) {
        detail::Args a;
        const char* ct = a.optional(content_type, "content_type");
        if (a.failed()) {
            return a.error();
        }
        kv_key_options* o = handle();
        return detail::void_call([&](kv_error** err) {
            return kv_key_options_set_release_policy(o, data.data(), data.size(), ct, immutable, err);
        });
    }
    KeyOptions& set_release_policy(bytes_view data, std::string_view content_type = {}, bool immutable = false) {
        return done(try_set_release_policy(data, content_type, immutable));
    }

private:
    kv_key_options* handle() { return ensure<kv_key_options_new>(); }
    KeyOptions& done(const Result<void>& r) {
        r.value();
        return *this;
    }
};

/// Optional AES inputs (iv, aad, tag) for encrypt, decrypt, wrap_key and unwrap_key.
/// Zeroized when freed.
class CryptoParams : public unique_handle<kv_crypto_params, kv_crypto_params_free> {
public:
    using unique_handle::unique_handle;
    CryptoParams() noexcept = default;

    Result<void> try_set_iv(bytes_view iv) { return set(iv, kv_crypto_params_set_iv); }
    CryptoParams& set_iv(bytes_view iv) { return done(try_set_iv(iv)); }
    Result<void> try_set_aad(bytes_view aad) { return set(aad, kv_crypto_params_set_aad); }
    CryptoParams& set_aad(bytes_view aad) { return done(try_set_aad(aad)); }
    Result<void> try_set_tag(bytes_view tag) { return set(tag, kv_crypto_params_set_tag); }
    CryptoParams& set_tag(bytes_view tag) { return done(try_set_tag(tag)); }

private:
    kv_crypto_params* handle() { return ensure<kv_crypto_params_new>(); }
    CryptoParams& done(const Result<void>& r) {
        r.value();
        return *this;
    }
    Result<void> set(bytes_view b, kv_status (*f)(kv_crypto_params*, const std::uint8_t*, std::size_t, kv_error**)) {
        kv_crypto_params* p = handle();
        return detail::void_call([&](kv_error** err) { return f(p, b.data(), b.size(), err); });
    }
};

/* ---------------------------------------------------------------------------------------------
 * Credential
 * ------------------------------------------------------------------------------------------- */

/// What a token callback is asked for (views valid only during the callback).
struct TokenRequest {
    std::string_view scope;      ///< e.g. "https://vault.azure.net/.default"
    std::string_view tenant_id;  ///< the tenant the vault's challenge named ("" when none)
    std::string_view claims;     ///< claims challenge JSON ("" when none)
};

/// A token from a token callback: the bearer token and its expiry (Unix seconds, in the future).
struct AccessToken {
    std::string token;
    std::int64_t expires_on_unix = 0;

    /// A token expiring at `expires_on` (a std::chrono time).
    static AccessToken expiring(std::string token, Time expires_on) {
        return AccessToken{std::move(token), static_cast<std::int64_t>(expires_on.time_since_epoch().count())};
    }
    /// expires_on_unix as a std::chrono time.
    Time expires_on() const noexcept { return Time(std::chrono::seconds(expires_on_unix)); }
};

/// Supplies tokens to Credential::callback. Throw (any exception) to fail: its what() becomes
/// part of the failed call's KV_STATUS_AUTHENTICATION_FAILED message, so keep secrets out of it.
/// Called on the threads that make kv calls; never concurrently for the same request.
using TokenProvider = std::function<AccessToken(const TokenRequest&)>;

/// A source of tokens plus its token cache; thread-safe, share one between many clients.
class Credential : public unique_handle<kv_credential, kv_credential_free> {
public:
    using unique_handle::unique_handle;
    Credential() noexcept = default;

    /// Always presents `token` (never refreshed).
    static Result<Credential> try_static_token(std::string_view token) {
        detail::Args a;
        const char* t = a.text(token, "token");
        if (a.failed()) {
            return a.error();
        }
        return make([&](kv_credential** out, kv_error** err) { return kv_credential_static_token_new(t, out, err); });
    }
    static Credential static_token(std::string_view token) { return try_static_token(token).value(); }

    /// A service principal with a client secret.
    static Result<Credential> try_client_secret(std::string_view tenant_id, std::string_view client_id,
                                                std::string_view client_secret,
                                                const CredentialOptions& opts = CredentialOptions()) {
        detail::Args a;
        const char* t = a.text(tenant_id, "tenant_id");
        const char* c = a.text(client_id, "client_id");
        const char* s = a.text(client_secret, "client_secret");
        if (a.failed()) {
            return a.error();
        }
        return make([&](kv_credential** out, kv_error** err) {
            return kv_credential_client_secret_new(t, c, s, opts.get(), out, err);
        });
    }
    static Credential client_secret(std::string_view tenant_id, std::string_view client_id,
                                    std::string_view client_secret,
                                    const CredentialOptions& opts = CredentialOptions()) {
        return try_client_secret(tenant_id, client_id, client_secret, opts).value();
    }

    /// A service principal with a certificate: PEM (certificate(s) + unencrypted RSA key) or
    /// PKCS#12 DER with `password` ("" = none).
    static Result<Credential> try_client_certificate(std::string_view tenant_id, std::string_view client_id,
                                                     bytes_view cert, std::string_view password = {},
                                                     const CredentialOptions& opts = CredentialOptions()) {
        detail::Args a;
        const char* t = a.text(tenant_id, "tenant_id");
        const char* c = a.text(client_id, "client_id");
        const char* p = a.optional(password, "password");
        if (a.failed()) {
            return a.error();
        }
        return make([&](kv_credential** out, kv_error** err) {
            return kv_credential_client_certificate_new(t, c, cert.data(), cert.size(), p, opts.get(), out, err);
        });
    }
    static Credential client_certificate(std::string_view tenant_id, std::string_view client_id, bytes_view cert,
                                         std::string_view password = {},
                                         const CredentialOptions& opts = CredentialOptions()) {
        return try_client_certificate(tenant_id, client_id, cert, password, opts).value();
    }

    /// Workload identity (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE).
    static Result<Credential> try_workload_identity(const CredentialOptions& opts = CredentialOptions()) {
        return make([&](kv_credential** out, kv_error** err) {
            return kv_credential_workload_identity_new(opts.get(), out, err);
        });
    }
    static Credential workload_identity(const CredentialOptions& opts = CredentialOptions()) {
        return try_workload_identity(opts).value();
    }

    /// An application configured by AZURE_* environment variables (secret or certificate).
    static Result<Credential> try_environment(const CredentialOptions& opts = CredentialOptions()) {
        return make([&](kv_credential** out, kv_error** err) { return kv_credential_environment_new(opts.get(), out, err); });
    }
    static Credential environment(const CredentialOptions& opts = CredentialOptions()) {
        return try_environment(opts).value();
    }

    /// Managed identity (App Service style endpoint or IMDS).
    static Result<Credential> try_managed_identity(const CredentialOptions& opts = CredentialOptions()) {
        return make([&](kv_credential** out, kv_error** err) {
            return kv_credential_managed_identity_new(opts.get(), out, err);
        });
    }
    static Credential managed_identity(const CredentialOptions& opts = CredentialOptions()) {
        return try_managed_identity(opts).value();
    }

    /// Tokens from `az account get-access-token`.
    static Result<Credential> try_azure_cli(const CredentialOptions& opts = CredentialOptions()) {
        return make([&](kv_credential** out, kv_error** err) { return kv_credential_azure_cli_new(opts.get(), out, err); });
    }
    static Credential azure_cli(const CredentialOptions& opts = CredentialOptions()) { return try_azure_cli(opts).value(); }

    /// The default chain: environment, workload identity, managed identity, Azure CLI.
    static Result<Credential> try_default_chain() {
        return make([&](kv_credential** out, kv_error** err) { return kv_credential_default_new(out, err); });
    }
    static Credential default_chain() { return try_default_chain().value(); }
    /// The default chain with options for every credential of it.
    static Result<Credential> try_default_chain(const CredentialOptions& opts) {
        return make([&](kv_credential** out, kv_error** err) {
            return kv_credential_default_with_options_new(opts.get(), out, err);
        });
    }
    static Credential default_chain(const CredentialOptions& opts) { return try_default_chain(opts).value(); }

    /// Tokens from a C++ callable (see TokenProvider). The callable is kept (moved) until the
    /// credential and every client using it are freed, then destroyed on that thread.
    static Result<Credential> try_callback(TokenProvider provider) {
        if (!provider) {
            return Error(KV_STATUS_NULL_ARGUMENT, "argument 'provider' is empty");
        }
        auto owned = std::make_unique<TokenProvider>(std::move(provider));
        kv_credential* out = nullptr;
        kv_error* err = nullptr;
        const kv_status st = kv_credential_callback_new(&token_trampoline, owned.get(), &free_provider, &out, &err);
        if (st != KV_STATUS_OK) {
            return Error(st, err);  // free_user_data is not called on failure: `owned` frees it
        }
        owned.release();  // NOLINT(bugprone-unused-return-value): now kv's, freed by free_provider
        kv_error_free(err);
        return Credential(out);
    }
    static Credential callback(TokenProvider provider) { return try_callback(std::move(provider)).value(); }

private:
    template <typename F>
    static Result<Credential> make(F&& f) {
        return detail::out_call<Credential>(std::forward<F>(f));
    }
    static std::int32_t token_trampoline(void* user_data, const char* scope, const char* tenant_id,
                                         const char* claims, kv_token_sink* sink) noexcept {
        try {
            const TokenProvider& provider = *static_cast<const TokenProvider*>(user_data);
            const TokenRequest request{scope ? std::string_view(scope) : std::string_view(),
                                       tenant_id ? std::string_view(tenant_id) : std::string_view(),
                                       claims ? std::string_view(claims) : std::string_view()};
            AccessToken token = provider(request);
            if (token.token.find('\0') != std::string::npos) {
                detail::wipe(token.token);
                kv_token_sink_set_error(sink, "the token callback returned a token with a NUL byte", nullptr);
                return 1;
            }
            kv_error* err = nullptr;
            const kv_status st = kv_token_sink_set(sink, token.token.c_str(), token.expires_on_unix, &err);
            detail::wipe(token.token);
            if (st != KV_STATUS_OK) {
                const kv_str m = kv_error_message(err);
                kv_token_sink_set_error(sink, m.len ? m.data : "the token callback returned an unusable token",
                                        nullptr);
                kv_error_free(err);
                return 1;
            }
            kv_error_free(err);
            return 0;
        } catch (const std::exception& e) {
            kv_token_sink_set_error(sink, e.what(), nullptr);
            return 1;
        } catch (...) {
            kv_token_sink_set_error(sink, "the token callback threw an exception", nullptr);
            return 1;
        }
    }
    static void free_provider(void* user_data) noexcept { delete static_cast<TokenProvider*>(user_data); }
};

/* ---------------------------------------------------------------------------------------------
 * Certificates: Certificate, CertificateOperation, CertificatePolicy, CertificateOptions,
 * Issuer, IssuerOptions, Contacts and their iterators
 * ------------------------------------------------------------------------------------------- */

/// What Client::download_certificate returns (KV_CERTIFICATE_FORMAT_*).
enum class CertificateFormat : kv_certificate_format {
    Pem = KV_CERTIFICATE_FORMAT_PEM,            ///< private key (PKCS#8) then the certificates, PEM
    Pkcs12 = KV_CERTIFICATE_FORMAT_PKCS12,      ///< PKCS#12 bytes protected with the password
    ChainPem = KV_CERTIFICATE_FORMAT_CHAIN_PEM, ///< the certificates only, PEM
    KeyPem = KV_CERTIFICATE_FORMAT_KEY_PEM,     ///< the private key only, PEM
};

/// A certificate (version, list item or deleted certificate): DER, X.509 fields, properties.
class Certificate : public unique_handle<kv_certificate, kv_certificate_free> {
public:
    using unique_handle::unique_handle;
    Certificate() noexcept = default;

    KV_HPP_TEXT(id, kv_certificate_id(get()))
    KV_HPP_TEXT(name, kv_certificate_name(get()))
    KV_HPP_TEXT(version, kv_certificate_version(get()))
    KV_HPP_TEXT(key_id, kv_certificate_key_id(get()))
    KV_HPP_TEXT(secret_id, kv_certificate_secret_id(get()))
    /// The certificate, DER (empty for list items).
    KV_HPP_BYTES(der, kv_certificate_der(get()))
    /// The certificate as PEM text.
    Result<Blob> try_pem() const {
        return detail::out_call<Blob>([&](kv_blob** out, kv_error** err) { return kv_certificate_pem(get(), out, err); });
    }
    Blob pem() const { return try_pem().value(); }
    KV_HPP_TEXT(subject, kv_certificate_subject(get()))
    KV_HPP_TEXT(issuer, kv_certificate_issuer_name(get()))
    KV_HPP_TEXT(serial_number, kv_certificate_serial(get()))
    /// SHA-1 thumbprint, upper-case hex.
    KV_HPP_TEXT(thumbprint, kv_certificate_thumbprint(get()))
    /// Validity, Unix seconds.
    std::int64_t not_before() const noexcept { return kv_certificate_not_before(get()); }
    /// not_before() as a std::chrono time (Time{} when not set).
    Time not_before_time() const noexcept { return Time(std::chrono::seconds(not_before())); }
    std::int64_t expires() const noexcept { return kv_certificate_not_after(get()); }
    /// expires() as a std::chrono time (Time{} when not set).
    Time expires_time() const noexcept { return Time(std::chrono::seconds(expires())); }
    /// Subject alternative names, typed like openssl prints them ("DNS:x", "IP:x", ...).
    std::size_t san_count() const noexcept { return kv_certificate_san_count(get()); }
    KV_HPP_TEXT_AT(san, kv_certificate_san)
    bool enabled() const noexcept { return kv_certificate_enabled(get()); }
    std::int64_t created() const noexcept { return kv_certificate_created(get()); }
    /// created() as a std::chrono time (Time{} when not set).
    Time created_time() const noexcept { return Time(std::chrono::seconds(created())); }
    std::int64_t updated() const noexcept { return kv_certificate_updated(get()); }
    /// updated() as a std::chrono time (Time{} when not set).
    Time updated_time() const noexcept { return Time(std::chrono::seconds(updated())); }
    KV_HPP_TEXT(recovery_id, kv_certificate_recovery_id(get()))
    std::int64_t deleted_date() const noexcept { return kv_certificate_deleted_date(get()); }
    /// deleted_date() as a std::chrono time (Time{} when not set).
    Time deleted_date_time() const noexcept { return Time(std::chrono::seconds(deleted_date())); }
    std::int64_t scheduled_purge_date() const noexcept { return kv_certificate_scheduled_purge_date(get()); }
    /// scheduled_purge_date() as a std::chrono time (Time{} when not set).
    Time scheduled_purge_date_time() const noexcept { return Time(std::chrono::seconds(scheduled_purge_date())); }
    std::size_t tag_count() const noexcept { return kv_certificate_tag_count(get()); }
    KV_HPP_TEXT_AT(tag_name, kv_certificate_tag_name)
    KV_HPP_TEXT_AT(tag_value, kv_certificate_tag_value)
};

/// The pending (or finished) creation of a certificate.
class CertificateOperation : public unique_handle<kv_certificate_operation, kv_certificate_operation_free> {
public:
    using unique_handle::unique_handle;
    CertificateOperation() noexcept = default;

    KV_HPP_TEXT(id, kv_certificate_operation_id(get()))
    /// "inProgress", "completed", "cancelled" or "failed".
    KV_HPP_TEXT(status, kv_certificate_operation_status(get()))
    KV_HPP_TEXT(status_details, kv_certificate_operation_status_details(get()))
    KV_HPP_TEXT(target, kv_certificate_operation_target(get()))
    KV_HPP_TEXT(request_id, kv_certificate_operation_request_id(get()))
    KV_HPP_TEXT(issuer_name, kv_certificate_operation_issuer_name(get()))
    /// The DER signing request to sign and merge (issuer "Unknown").
    KV_HPP_BYTES(csr, kv_certificate_operation_csr(get()))
    bool cancellation_requested() const noexcept { return kv_certificate_operation_cancellation_requested(get()); }
    KV_HPP_TEXT(error_code, kv_certificate_operation_error_code(get()))
    KV_HPP_TEXT(error_message, kv_certificate_operation_error_message(get()))
};

/// A certificate policy: `kv::CertificatePolicy("CN=example.com").add_dns_name("example.com")`.
/// Also what get/update policy return (read every member with to_json()).
class CertificatePolicy : public unique_handle<kv_certificate_policy, kv_certificate_policy_free> {
public:
    using unique_handle::unique_handle;
    /// An empty policy (only what the setters set is sent; for updates and imports). The native
    /// policy is made by the first setter.
    CertificatePolicy() noexcept = default;
    /// A policy for `subject` (e.g. "CN=example.com"), issuer "Self".
    explicit CertificatePolicy(std::string_view subject) {
        const std::string s(subject);
        if (s.find('\0') != std::string::npos) {
            throw Error(KV_STATUS_INVALID_ARGUMENT, "argument 'subject' contains a NUL byte");
        }
        reset(kv_certificate_policy_new(s.c_str()));
        if (get() == nullptr) {
            throw std::bad_alloc();
        }
    }
    /// From the REST API's JSON form.
    static Result<CertificatePolicy> try_from_json(std::string_view json) {
        const bytes_view b(json);
        return detail::out_call<CertificatePolicy>([&](kv_certificate_policy** out, kv_error** err) {
            return kv_certificate_policy_from_json(b.data(), b.size(), out, err);
        });
    }
    /// The REST API's JSON form.
    Result<Blob> try_to_json() const {
        return detail::out_call<Blob>([&](kv_blob** out, kv_error** err) { return kv_certificate_policy_to_json(get(), out, err); });
    }
    Blob to_json() const { return try_to_json().value(); }

    CertificatePolicy& set_subject(std::string_view v) { return text(v, "subject", kv_certificate_policy_set_subject); }
    CertificatePolicy& add_dns_name(std::string_view v) { return text(v, "dns_name", kv_certificate_policy_add_dns_name); }
    CertificatePolicy& add_email(std::string_view v) { return text(v, "email", kv_certificate_policy_add_email); }
    CertificatePolicy& add_upn(std::string_view v) { return text(v, "upn", kv_certificate_policy_add_upn); }
    CertificatePolicy& add_uri(std::string_view v) { return text(v, "uri", kv_certificate_policy_add_uri); }
    CertificatePolicy& add_ip_address(std::string_view v) { return text(v, "ip_address", kv_certificate_policy_add_ip_address); }
    /// "RSA", "RSA-HSM", "EC" or "EC-HSM".
    CertificatePolicy& set_key_type(std::string_view v) { return text(v, "key_type", kv_certificate_policy_set_key_type); }
    /// "P-256", "P-384", "P-521" or "P-256K".
    CertificatePolicy& set_curve(std::string_view v) { return text(v, "curve", kv_certificate_policy_set_curve); }
    /// "application/x-pem-file" or "application/x-pkcs12".
    CertificatePolicy& set_content_type(std::string_view v) { return text(v, "content_type", kv_certificate_policy_set_content_type); }
    CertificatePolicy& add_key_usage(std::string_view v) { return text(v, "key_usage", kv_certificate_policy_add_key_usage); }
    CertificatePolicy& add_eku(std::string_view oid) { return text(oid, "oid", kv_certificate_policy_add_eku); }
    /// "Self", "Unknown" or a configured issuer.
    CertificatePolicy& set_issuer(std::string_view v) { return text(v, "issuer_name", kv_certificate_policy_set_issuer); }
    CertificatePolicy& set_certificate_type(std::string_view v) {
        return text(v, "certificate_type", kv_certificate_policy_set_certificate_type);
    }
    CertificatePolicy& set_key_size(std::uint32_t bits) {
        return done(detail::void_call([&](kv_error** err) { return kv_certificate_policy_set_key_size(handle(), bits, err); }));
    }
    CertificatePolicy& set_exportable(bool on) {
        return done(detail::void_call([&](kv_error** err) { return kv_certificate_policy_set_exportable(handle(), on, err); }));
    }
    CertificatePolicy& set_reuse_key(bool on) {
        return done(detail::void_call([&](kv_error** err) { return kv_certificate_policy_set_reuse_key(handle(), on, err); }));
    }
    CertificatePolicy& set_validity_months(std::uint32_t months) {
        return done(detail::void_call([&](kv_error** err) { return kv_certificate_policy_set_validity_months(handle(), months, err); }));
    }
    CertificatePolicy& set_certificate_transparency(bool on) {
        return done(detail::void_call([&](kv_error** err) { return kv_certificate_policy_set_certificate_transparency(handle(), on, err); }));
    }
    /// `action` ("AutoRenew" or "EmailContacts") at a lifetime percentage or days before expiry
    /// (exactly one non-zero).
    CertificatePolicy& add_lifetime_action(std::string_view action, std::uint32_t lifetime_percentage, std::uint32_t days_before_expiry) {
        detail::Args a;
        const char* c = a.text(action, "action");
        if (a.failed()) {
            throw a.error();
        }
        return done(detail::void_call([&](kv_error** err) {
            return kv_certificate_policy_add_lifetime_action(handle(), c, lifetime_percentage, days_before_expiry, err);
        }));
    }
    KV_HPP_TEXT(subject, kv_certificate_policy_subject(get()))
    KV_HPP_TEXT(issuer_name, kv_certificate_policy_issuer_name(get()))
    KV_HPP_TEXT(content_type, kv_certificate_policy_content_type(get()))
    KV_HPP_TEXT(key_type, kv_certificate_policy_key_type(get()))
    std::uint32_t validity_months() const noexcept { return kv_certificate_policy_validity_months(get()); }

private:
    kv_certificate_policy* handle() { return ensure<kv_certificate_policy_new_empty>(); }
    CertificatePolicy& text(std::string_view v, const char* what,
                            kv_status (*set)(kv_certificate_policy*, const char*, kv_error**)) {
        detail::Args a;
        const char* c = a.text(v, what);
        if (a.failed()) {
            throw a.error();
        }
        return done(detail::void_call([&](kv_error** err) { return set(handle(), c, err); }));
    }
    CertificatePolicy& done(const Result<void>& r) {
        r.value();
        return *this;
    }
};

/// Enabled and tags for create, import, merge and update of certificates.
class CertificateOptions : public unique_handle<kv_certificate_options, kv_certificate_options_free> {
public:
    using unique_handle::unique_handle;
    CertificateOptions() noexcept = default;
    CertificateOptions& set_enabled(bool enabled) {
        kv_certificate_options* o = ensure<kv_certificate_options_new>();
        detail::void_call([&](kv_error** err) { return kv_certificate_options_set_enabled(o, enabled, err); }).value();
        return *this;
    }
    CertificateOptions& set_tag(std::string_view key, std::string_view value) {
        detail::Args a;
        const char* k = a.text(key, "key");
        const char* v = a.text(value, "value");
        if (a.failed()) {
            throw a.error();
        }
        kv_certificate_options* o = ensure<kv_certificate_options_new>();
        detail::void_call([&](kv_error** err) { return kv_certificate_options_set_tag(o, k, v, err); }).value();
        return *this;
    }
};

/// A certificate issuer (list items carry name and provider only).
class Issuer : public unique_handle<kv_issuer, kv_issuer_free> {
public:
    using unique_handle::unique_handle;
    Issuer() noexcept = default;
    KV_HPP_TEXT(id, kv_issuer_id(get()))
    KV_HPP_TEXT(name, kv_issuer_name(get()))
    KV_HPP_TEXT(provider, kv_issuer_provider(get()))
    KV_HPP_TEXT(account_id, kv_issuer_account_id(get()))
    KV_HPP_TEXT(organization_id, kv_issuer_organization_id(get()))
    bool enabled() const noexcept { return kv_issuer_enabled(get()); }
};

/// Settings of set/update_certificate_issuer (the password is zeroized when freed).
class IssuerOptions : public unique_handle<kv_issuer_options, kv_issuer_options_free> {
public:
    using unique_handle::unique_handle;
    IssuerOptions() noexcept = default;
    IssuerOptions& set_provider(std::string_view provider) {
        return one(provider, "provider", kv_issuer_options_set_provider);
    }
    IssuerOptions& set_organization_id(std::string_view id) {
        return one(id, "organization_id", kv_issuer_options_set_organization_id);
    }
    /// Account credentials; an empty password sends none.
    IssuerOptions& set_credentials(std::string_view account_id, std::string_view password) {
        detail::Args a;
        const char* id = a.text(account_id, "account_id");
        const char* pw = a.optional(password, "password");
        if (a.failed()) {
            throw a.error();
        }
        kv_issuer_options* o = ensure<kv_issuer_options_new>();
        detail::void_call([&](kv_error** err) { return kv_issuer_options_set_credentials(o, id, pw, err); }).value();
        return *this;
    }
    IssuerOptions& add_admin(std::string_view first_name, std::string_view last_name, std::string_view email,
                             std::string_view phone) {
        detail::Args a;
        const char* f = a.optional(first_name, "first_name");
        const char* l = a.optional(last_name, "last_name");
        const char* e = a.optional(email, "email");
        const char* p = a.optional(phone, "phone");
        if (a.failed()) {
            throw a.error();
        }
        kv_issuer_options* o = ensure<kv_issuer_options_new>();
        detail::void_call([&](kv_error** err) { return kv_issuer_options_add_admin(o, f, l, e, p, err); }).value();
        return *this;
    }
    IssuerOptions& set_enabled(bool enabled) {
        kv_issuer_options* o = ensure<kv_issuer_options_new>();
        detail::void_call([&](kv_error** err) { return kv_issuer_options_set_enabled(o, enabled, err); }).value();
        return *this;
    }

private:
    friend class Client;
    kv_issuer_options* handle() { return ensure<kv_issuer_options_new>(); }
    IssuerOptions& one(std::string_view v, const char* what, kv_status (*set)(kv_issuer_options*, const char*, kv_error**)) {
        detail::Args a;
        const char* c = a.text(v, what);
        if (a.failed()) {
            throw a.error();
        }
        kv_issuer_options* o = ensure<kv_issuer_options_new>();
        detail::void_call([&](kv_error** err) { return set(o, c, err); }).value();
        return *this;
    }
};

/// Certificate contacts: build with add(), or read what the vault returned.
class Contacts : public unique_handle<kv_certificate_contacts, kv_certificate_contacts_free> {
public:
    using unique_handle::unique_handle;
    Contacts() noexcept = default;
    /// Adds a contact (empty fields are not sent; at least one is needed).
    Contacts& add(std::string_view email, std::string_view name = {}, std::string_view phone = {}) {
        detail::Args a;
        const char* e = a.optional(email, "email");
        const char* n = a.optional(name, "name");
        const char* p = a.optional(phone, "phone");
        if (a.failed()) {
            throw a.error();
        }
        kv_certificate_contacts* l = ensure<kv_certificate_contacts_new>();
        detail::void_call([&](kv_error** err) { return kv_certificate_contacts_add(l, e, n, p, err); }).value();
        return *this;
    }
    std::size_t size() const noexcept { return kv_certificate_contacts_count(get()); }
    KV_HPP_TEXT_AT(email, kv_certificate_contacts_email)
    KV_HPP_TEXT_AT(name, kv_certificate_contacts_name)
    KV_HPP_TEXT_AT(phone, kv_certificate_contacts_phone)

private:
    friend class Client;
    kv_certificate_contacts* handle() { return ensure<kv_certificate_contacts_new>(); }
};

/// A certificates list, fetched page by page.
class CertificateIterator : public detail::basic_iter<Certificate, kv_certificate_iter, kv_certificate_iter_free,
                                                      kv_certificate_iter_next> {
public:
    using basic_iter::basic_iter;
    CertificateIterator() noexcept = default;
};

/// An issuers list, fetched page by page.
class IssuerIterator : public detail::basic_iter<Issuer, kv_issuer_iter, kv_issuer_iter_free, kv_issuer_iter_next> {
public:
    using basic_iter::basic_iter;
    IssuerIterator() noexcept = default;
};

/* ---------------------------------------------------------------------------------------------
 * Client
 * ------------------------------------------------------------------------------------------- */

/// A cancellation handle with an optional deadline (kv_call_context), for the calls of a client
/// made with `Client::with_context`. `cancel()` may be called from any thread (also while calls
/// run): each call under the context then throws (or returns) kv::Error with
/// KV_STATUS_CANCELLED within about 100 ms, whether it is connecting, waiting for a reply,
/// sleeping before a retry or waiting for a token. A deadline ends them with KV_STATUS_TIMEOUT.
/// A cancelled context stays cancelled: use a new one for new work.
class CallContext : public unique_handle<kv_call_context, kv_call_context_free> {
public:
    using unique_handle::unique_handle;
    CallContext() noexcept = default;

    /// A new context: not cancelled, no deadline.
    static Result<CallContext> try_create() {
        return detail::out_call<CallContext>(
            [](kv_call_context** out, kv_error** err) { return kv_call_context_new(out, err); });
    }
    static CallContext create() { return try_create().value(); }

    /// Sets the deadline `timeout` from now (rounded up to whole milliseconds; zero or negative
    /// means at once). The client's own call timeout still applies too.
    template <typename Rep, typename Period>
    Result<void> try_set_deadline(std::chrono::duration<Rep, Period> timeout) const {
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
        const std::uint64_t v = ms < 1 ? 1u : static_cast<std::uint64_t>(ms);
        return detail::void_call([&](kv_error** err) { return kv_call_context_set_deadline_ms(get(), v, err); });
    }
    template <typename Rep, typename Period>
    const CallContext& set_deadline(std::chrono::duration<Rep, Period> timeout) const {
        try_set_deadline(timeout).value();
        return *this;
    }
    /// Sets the deadline to the time point `at` of any clock.
    template <typename Clock, typename Duration>
    const CallContext& set_deadline(std::chrono::time_point<Clock, Duration> at) const {
        return set_deadline(at - Clock::now());
    }
    /// Removes the deadline.
    const CallContext& clear_deadline() const {
        detail::void_call([&](kv_error** err) { return kv_call_context_set_deadline_ms(get(), 0, err); }).value();
        return *this;
    }
    /// Cancels every call under the context, and every later one. Any thread, idempotent.
    void cancel() const noexcept { kv_call_context_cancel(get()); }
    /// Whether cancel() was called.
    bool is_cancelled() const noexcept { return kv_call_context_is_cancelled(get()); }

    /// The x-ms-client-request-id of the last call that ended under the context, success or
    /// failure ("" before any, or when it sent no request).
    std::string last_client_request_id() const {
        char buf[64];
        const std::size_t n = kv_call_context_last_client_request_id(get(), buf, sizeof buf);
        return n > 0 && n < sizeof buf ? std::string(buf, n) : std::string();
    }
    /// Requests the last call that ended under the context sent (retries, challenge rounds and
    /// redirects each count one); 0 before any.
    std::uint32_t last_attempts() const noexcept { return kv_call_context_last_attempts(get()); }
    /// Time the last call that ended under the context took (rounded up); zero before any.
    std::chrono::milliseconds last_elapsed() const noexcept {
        return std::chrono::milliseconds(
            static_cast<std::chrono::milliseconds::rep>(kv_call_context_last_elapsed_ms(get())));
    }
};

/// Levels of kv's log records, most severe first.
enum class LogLevel : kv_log_level {
    off = KV_LOG_LEVEL_OFF,
    error = KV_LOG_LEVEL_ERROR,
    warn = KV_LOG_LEVEL_WARN,
    info = KV_LOG_LEVEL_INFO,
    debug = KV_LOG_LEVEL_DEBUG,
};

/// One log record (see set_log_sink). The views are valid only during the sink's call: copy
/// what you keep. No field ever holds a secret value, a token or a request or reply body.
struct LogRecord {
    LogLevel level;
    std::string_view message;
    /// x-ms-client-request-id of the vault call ("" when not about one).
    std::string_view client_request_id;
    /// HTTP method and URL path without its query ("" when none).
    std::string_view method;
    std::string_view path;
    /// HTTP status of the reply (0 when none).
    std::uint16_t http_status;
    /// 1 for the first send of a request, 2 for the first retry... (0 when not about one).
    std::uint32_t attempt;
    /// Time since the vault call started.
    std::chrono::milliseconds elapsed;
};

/// Receives kv's log records: called on the thread making the kv call (any thread, possibly
/// several at once), so it must be thread-safe; it must not call kv. An exception it throws is
/// swallowed.
using LogSink = std::function<void(const LogRecord&)>;

namespace detail {
struct LogState {
    std::mutex mu;
    std::shared_ptr<const LogSink> sink;
};
inline LogState& log_state() {
    static LogState* state = new LogState();  // never destroyed: records may arrive at exit
    return *state;
}
extern "C" inline void kv_hpp_log_trampoline(void*, const kv_log_record* r) {
    std::shared_ptr<const LogSink> sink;
    {
        std::lock_guard<std::mutex> lock(log_state().mu);
        sink = log_state().sink;
    }
    if (!sink || r == nullptr) {
        return;
    }
    try {
        (*sink)(LogRecord{static_cast<LogLevel>(r->level), r->message, r->client_request_id, r->method, r->path,
                          r->http_status, r->attempt,
                          std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(r->elapsed_ms))});
    } catch (...) {
    }
}
}  // namespace detail

/// Sends kv's log records at `min_level` and more severe to `sink` (kv_set_log_handler); an
/// empty sink (or LogLevel::off) stops, and kv goes back to the KV_LOG stderr default.
inline void set_log_sink(LogSink sink, LogLevel min_level = LogLevel::info) {
    std::lock_guard<std::mutex> lock(detail::log_state().mu);
    if (!sink || min_level == LogLevel::off) {
        detail::log_state().sink.reset();
        kv_set_log_handler(KV_LOG_LEVEL_OFF, nullptr, nullptr);
        return;
    }
    detail::log_state().sink = std::make_shared<const LogSink>(std::move(sink));
    kv_set_log_handler(static_cast<kv_log_level>(min_level), &detail::kv_hpp_log_trampoline, nullptr);
}


/// A Key Vault client for one vault. Thread-safe: const methods may run concurrently.
/// Every operation X has a throwing form X(...) and a non-throwing try_X(...) -> Result.
/// `version` "" means the latest version.
class Client : public unique_handle<kv_client, kv_client_free> {
public:
    using unique_handle::unique_handle;
    Client() noexcept = default;

    /// A client for `vault_url` (e.g. "https://myvault.vault.azure.net"). The credential and
    /// options are not consumed (the client keeps what it needs). No request is sent yet.
    Client(std::string_view vault_url, const Credential& cred, const ClientOptions& opts = ClientOptions())
        : Client(try_create(vault_url, cred, opts).value()) {}
    static Result<Client> try_create(std::string_view vault_url, const Credential& cred,
                                     const ClientOptions& opts = ClientOptions()) {
        detail::Args a;
        const char* u = a.text(vault_url, "vault_url");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Client>(
            [&](kv_client** out, kv_error** err) { return kv_client_new(u, cred.get(), opts.get(), out, err); });
    }

    /// A client sharing this one's connections, credential and token cache whose every call
    /// (and every page its iterators fetch) runs under `ctx` (kv_client_with_context): cancelled
    /// by `ctx.cancel()` from any thread, bounded by `ctx`'s deadline. Cheap: make one per
    /// operation. `ctx` may be destroyed first (the new client keeps its own reference).
    Result<Client> try_with_context(const CallContext& ctx) const {
        return detail::out_call<Client>(
            [&](kv_client** out, kv_error** err) { return kv_client_with_context(get(), ctx.get(), out, err); });
    }
    Client with_context(const CallContext& ctx) const { return try_with_context(ctx).value(); }
    /// A client whose calls must end within `timeout` from now (a CallContext with that
    /// deadline): KV_STATUS_TIMEOUT after it.
    template <typename Rep, typename Period>
    Client with_timeout(std::chrono::duration<Rep, Period> timeout) const {
        return with_context(CallContext::create().set_deadline(timeout));
    }

    /* ---- secrets ---------------------------------------------------------------------------- */

    /// Sets a secret (new version); `value` is UTF-8 text, NUL bytes allowed.
    Result<Secret> try_set_secret(std::string_view name, std::string_view value) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        if (a.failed()) {
            return a.error();
        }
        const bytes_view v(value);
        return detail::out_call<Secret>([&](kv_secret** out, kv_error** err) {
            return kv_client_set_secret(get(), n, v.data(), v.size(), out, err);
        });
    }
    Secret set_secret(std::string_view name, std::string_view value) const { return try_set_secret(name, value).value(); }
    Result<Secret> try_set_secret(std::string_view name, const void* value, std::size_t len) const {
        return try_set_secret(name, bytes_view(value, len).as_string_view());
    }
    Secret set_secret(std::string_view name, const void* value, std::size_t len) const {
        return try_set_secret(name, value, len).value();
    }
    /// Sets a secret with properties (content type, enabled, times, tags).
    Result<Secret> try_set_secret(std::string_view name, std::string_view value, const SecretOptions& opts) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        if (a.failed()) {
            return a.error();
        }
        const bytes_view v(value);
        return detail::out_call<Secret>([&](kv_secret** out, kv_error** err) {
            return kv_client_set_secret_with_options(get(), n, v.data(), v.size(), opts.get(), out, err);
        });
    }
    Secret set_secret(std::string_view name, std::string_view value, const SecretOptions& opts) const {
        return try_set_secret(name, value, opts).value();
    }

    /// Gets a secret with its value.
    Result<Secret> try_get_secret(std::string_view name, std::string_view version = {}) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Secret>(
            [&](kv_secret** out, kv_error** err) { return kv_client_get_secret(get(), n, v, out, err); });
    }
    Secret get_secret(std::string_view name, std::string_view version = {}) const {
        return try_get_secret(name, version).value();
    }

    /// Updates properties of a secret version (no value returned).
    Result<Secret> try_update_secret_properties(std::string_view name, std::string_view version,
                                                const SecretOptions& opts) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Secret>([&](kv_secret** out, kv_error** err) {
            return kv_client_update_secret_properties(get(), n, v, opts.get(), out, err);
        });
    }
    Secret update_secret_properties(std::string_view name, std::string_view version, const SecretOptions& opts) const {
        return try_update_secret_properties(name, version, opts).value();
    }
    Result<Secret> try_update_secret_properties(std::string_view name, const SecretOptions& opts) const {
        return try_update_secret_properties(name, {}, opts);
    }
    Secret update_secret_properties(std::string_view name, const SecretOptions& opts) const {
        return try_update_secret_properties(name, opts).value();
    }

    /// Deletes a secret and all its versions (soft delete); returns the deleted secret (no value;
    /// recovery id, deleted date, scheduled purge date and its properties). The move to the
    /// deleted collection finishes asynchronously: call wait_for_deleted_secret before
    /// get_deleted_secret, purge_deleted_secret or recover_deleted_secret.
    Result<Secret> try_delete_secret(std::string_view name) const {
        return name_out<Secret>(name, [&](const char* n, kv_secret** out, kv_error** err) {
            return kv_client_delete_secret_out(get(), n, out, err);
        });
    }
    Secret delete_secret(std::string_view name) const { return try_delete_secret(name).value(); }

    /// Waits until a deleted secret has reached the deleted collection (KV_STATUS_TIMEOUT, with
    /// the deadline in the message, after `timeout`).
    Result<void> try_wait_for_deleted_secret(std::string_view name,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_void(
            name, [&](const char* n, kv_error** err) { return kv_client_wait_for_deleted_secret(get(), n, ms, err); });
    }
    void wait_for_deleted_secret(std::string_view name,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        try_wait_for_deleted_secret(name, timeout).value();
    }
    /// Waits until a recovered secret is back (KV_STATUS_TIMEOUT after `timeout`).
    Result<void> try_wait_for_recovered_secret(std::string_view name,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_void(
            name, [&](const char* n, kv_error** err) { return kv_client_wait_for_recovered_secret(get(), n, ms, err); });
    }
    void wait_for_recovered_secret(std::string_view name,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        try_wait_for_recovered_secret(name, timeout).value();
    }

    Result<Secret> try_get_deleted_secret(std::string_view name) const {
        return name_out<Secret>(name, [&](const char* n, kv_secret** out, kv_error** err) {
            return kv_client_get_deleted_secret(get(), n, out, err);
        });
    }
    Secret get_deleted_secret(std::string_view name) const { return try_get_deleted_secret(name).value(); }

    Result<Secret> try_recover_deleted_secret(std::string_view name) const {
        return name_out<Secret>(name, [&](const char* n, kv_secret** out, kv_error** err) {
            return kv_client_recover_deleted_secret(get(), n, out, err);
        });
    }
    Secret recover_deleted_secret(std::string_view name) const { return try_recover_deleted_secret(name).value(); }

    Result<void> try_purge_deleted_secret(std::string_view name) const {
        return name_void(name, [&](const char* n, kv_error** err) { return kv_client_purge_deleted_secret(get(), n, err); });
    }
    void purge_deleted_secret(std::string_view name) const { try_purge_deleted_secret(name).value(); }

    /// Backs up all versions of a secret into an opaque blob.
    Result<Blob> try_backup_secret(std::string_view name) const {
        return name_out<Blob>(name, [&](const char* n, kv_blob** out, kv_error** err) {
            return kv_client_backup_secret(get(), n, out, err);
        });
    }
    Blob backup_secret(std::string_view name) const { return try_backup_secret(name).value(); }

    Result<Secret> try_restore_secret(bytes_view backup) const {
        return detail::out_call<Secret>([&](kv_secret** out, kv_error** err) {
            return kv_client_restore_secret(get(), backup.data(), backup.size(), out, err);
        });
    }
    Secret restore_secret(bytes_view backup) const { return try_restore_secret(backup).value(); }

    /// Lists the vault's secrets (items carry no value or version). No request until the first item.
    Result<SecretIterator> try_list_secrets() const {
        return detail::out_call<SecretIterator>(
            [&](kv_secret_iter** out, kv_error** err) { return kv_client_list_secrets(get(), out, err); });
    }
    SecretIterator list_secrets() const { return try_list_secrets().value(); }

    Result<SecretIterator> try_list_secret_versions(std::string_view name) const {
        return name_out<SecretIterator>(name, [&](const char* n, kv_secret_iter** out, kv_error** err) {
            return kv_client_list_secret_versions(get(), n, out, err);
        });
    }
    SecretIterator list_secret_versions(std::string_view name) const { return try_list_secret_versions(name).value(); }

    Result<SecretIterator> try_list_deleted_secrets() const {
        return detail::out_call<SecretIterator>(
            [&](kv_secret_iter** out, kv_error** err) { return kv_client_list_deleted_secrets(get(), out, err); });
    }
    SecretIterator list_deleted_secrets() const { return try_list_deleted_secrets().value(); }

    /* ---- keys ------------------------------------------------------------------------------- */

    /// Creates a key (or a new version); `opts` may set size, exponent, curve and properties.
    Result<Key> try_create_key(std::string_view name, KeyType kty, const KeyOptions& opts = KeyOptions()) const {
        return name_out<Key>(name, [&](const char* n, kv_key** out, kv_error** err) {
            return kv_client_create_key(get(), n, static_cast<kv_key_type>(kty), opts.get(), out, err);
        });
    }
    Key create_key(std::string_view name, KeyType kty, const KeyOptions& opts = KeyOptions()) const {
        return try_create_key(name, kty, opts).value();
    }

    /// Imports a private key given as JWK text.
    Result<Key> try_import_key_jwk(std::string_view name, std::string_view jwk_json,
                                   const KeyOptions& opts = KeyOptions()) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* j = a.text(jwk_json, "jwk_json");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Key>(
            [&](kv_key** out, kv_error** err) { return kv_client_import_key_jwk(get(), n, j, opts.get(), out, err); });
    }
    Key import_key_jwk(std::string_view name, std::string_view jwk_json, const KeyOptions& opts = KeyOptions()) const {
        return try_import_key_jwk(name, jwk_json, opts).value();
    }

    /// Imports a private key given as PEM or DER (PKCS#1, PKCS#8 or SEC1).
    Result<Key> try_import_key_pem(std::string_view name, bytes_view pem_or_der,
                                   const KeyOptions& opts = KeyOptions()) const {
        return name_out<Key>(name, [&](const char* n, kv_key** out, kv_error** err) {
            return kv_client_import_key_pem(get(), n, pem_or_der.data(), pem_or_der.size(), opts.get(), out, err);
        });
    }
    Key import_key_pem(std::string_view name, bytes_view pem_or_der, const KeyOptions& opts = KeyOptions()) const {
        return try_import_key_pem(name, pem_or_der, opts).value();
    }

    /// Gets a key (public members only).
    Result<Key> try_get_key(std::string_view name, std::string_view version = {}) const {
        return name_version_out<Key>(name, version, [&](const char* n, const char* v, kv_key** out, kv_error** err) {
            return kv_client_get_key(get(), n, v, out, err);
        });
    }
    Key get_key(std::string_view name, std::string_view version = {}) const { return try_get_key(name, version).value(); }

    /// Updates properties of a key version (only what `opts` sets changes).
    Result<Key> try_update_key_properties(std::string_view name, std::string_view version, const KeyOptions& opts) const {
        return name_version_out<Key>(name, version, [&](const char* n, const char* v, kv_key** out, kv_error** err) {
            return kv_client_update_key_properties(get(), n, v, opts.get(), out, err);
        });
    }
    Key update_key_properties(std::string_view name, std::string_view version, const KeyOptions& opts) const {
        return try_update_key_properties(name, version, opts).value();
    }
    Result<Key> try_update_key_properties(std::string_view name, const KeyOptions& opts) const {
        return try_update_key_properties(name, {}, opts);
    }
    Key update_key_properties(std::string_view name, const KeyOptions& opts) const {
        return try_update_key_properties(name, opts).value();
    }

    /// Deletes a key and all its versions (soft delete); returns the deleted key. The move to
    /// the deleted collection finishes asynchronously: see wait_for_deleted_key.
    Result<Key> try_delete_key(std::string_view name) const {
        return name_out<Key>(name, [&](const char* n, kv_key** out, kv_error** err) {
            return kv_client_delete_key(get(), n, out, err);
        });
    }
    Key delete_key(std::string_view name) const { return try_delete_key(name).value(); }

    Result<Key> try_get_deleted_key(std::string_view name) const {
        return name_out<Key>(name, [&](const char* n, kv_key** out, kv_error** err) {
            return kv_client_get_deleted_key(get(), n, out, err);
        });
    }
    Key get_deleted_key(std::string_view name) const { return try_get_deleted_key(name).value(); }

    Result<Key> try_recover_deleted_key(std::string_view name) const {
        return name_out<Key>(name, [&](const char* n, kv_key** out, kv_error** err) {
            return kv_client_recover_deleted_key(get(), n, out, err);
        });
    }
    Key recover_deleted_key(std::string_view name) const { return try_recover_deleted_key(name).value(); }

    Result<void> try_purge_deleted_key(std::string_view name) const {
        return name_void(name, [&](const char* n, kv_error** err) { return kv_client_purge_deleted_key(get(), n, err); });
    }
    void purge_deleted_key(std::string_view name) const { try_purge_deleted_key(name).value(); }

    /// Waits until a deleted key has reached the deleted collection (KV_STATUS_TIMEOUT, with the
    /// deadline in the message, after `timeout`).
    Result<void> try_wait_for_deleted_key(std::string_view name,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_void(name,
                         [&](const char* n, kv_error** err) { return kv_client_wait_for_deleted_key(get(), n, ms, err); });
    }
    void wait_for_deleted_key(std::string_view name, std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        try_wait_for_deleted_key(name, timeout).value();
    }
    /// Waits until a recovered key is back.
    Result<void> try_wait_for_recovered_key(std::string_view name,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_void(
            name, [&](const char* n, kv_error** err) { return kv_client_wait_for_recovered_key(get(), n, ms, err); });
    }
    void wait_for_recovered_key(std::string_view name,
                                std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        try_wait_for_recovered_key(name, timeout).value();
    }

    Result<Blob> try_backup_key(std::string_view name) const {
        return name_out<Blob>(name, [&](const char* n, kv_blob** out, kv_error** err) {
            return kv_client_backup_key(get(), n, out, err);
        });
    }
    Blob backup_key(std::string_view name) const { return try_backup_key(name).value(); }

    Result<Key> try_restore_key(bytes_view backup) const {
        return detail::out_call<Key>([&](kv_key** out, kv_error** err) {
            return kv_client_restore_key(get(), backup.data(), backup.size(), out, err);
        });
    }
    Key restore_key(bytes_view backup) const { return try_restore_key(backup).value(); }

    /// Creates a new version with the same type and parameters.
    Result<Key> try_rotate_key(std::string_view name) const {
        return name_out<Key>(name, [&](const char* n, kv_key** out, kv_error** err) {
            return kv_client_rotate_key(get(), n, out, err);
        });
    }
    Key rotate_key(std::string_view name) const { return try_rotate_key(name).value(); }

    /// `count` (1 to 128) random bytes from the vault's HSM.
    Result<Blob> try_get_random_bytes(std::uint32_t count) const {
        return detail::out_call<Blob>(
            [&](kv_blob** out, kv_error** err) { return kv_client_get_random_bytes(get(), count, out, err); });
    }
    Blob get_random_bytes(std::uint32_t count) const { return try_get_random_bytes(count).value(); }

    /// Releases an exportable key to the environment attested by `target`; the blob is the
    /// signed release value (JWS text). `nonce` "" = none.
    Result<Blob> try_release_key(std::string_view name, std::string_view version, std::string_view target,
                                 std::string_view nonce = {},
                                 KeyReleaseAlgorithm enc = KeyReleaseAlgorithm::ServiceDefault) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        const char* t = a.text(target, "target");
        const char* no = a.optional(nonce, "nonce");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Blob>([&](kv_blob** out, kv_error** err) {
            return kv_client_release_key(get(), n, v, t, no, static_cast<kv_key_release_algorithm>(enc), out, err);
        });
    }
    Blob release_key(std::string_view name, std::string_view version, std::string_view target,
                     std::string_view nonce = {}, KeyReleaseAlgorithm enc = KeyReleaseAlgorithm::ServiceDefault) const {
        return try_release_key(name, version, target, nonce, enc).value();
    }

    /// Gets a key version with its HSM attestation (Key::attestation_*).
    Result<Key> try_get_key_attestation(std::string_view name, std::string_view version = {}) const {
        return name_version_out<Key>(name, version, [&](const char* n, const char* v, kv_key** out, kv_error** err) {
            return kv_client_get_key_attestation(get(), n, v, out, err);
        });
    }
    Key get_key_attestation(std::string_view name, std::string_view version = {}) const {
        return try_get_key_attestation(name, version).value();
    }

    /// Lists the vault's keys (items carry no key material or version).
    Result<KeyIterator> try_list_keys() const {
        return detail::out_call<KeyIterator>(
            [&](kv_key_iter** out, kv_error** err) { return kv_client_list_keys(get(), out, err); });
    }
    KeyIterator list_keys() const { return try_list_keys().value(); }

    Result<KeyIterator> try_list_key_versions(std::string_view name) const {
        return name_out<KeyIterator>(name, [&](const char* n, kv_key_iter** out, kv_error** err) {
            return kv_client_list_key_versions(get(), n, out, err);
        });
    }
    KeyIterator list_key_versions(std::string_view name) const { return try_list_key_versions(name).value(); }

    Result<KeyIterator> try_list_deleted_keys() const {
        return detail::out_call<KeyIterator>(
            [&](kv_key_iter** out, kv_error** err) { return kv_client_list_deleted_keys(get(), out, err); });
    }
    KeyIterator list_deleted_keys() const { return try_list_deleted_keys().value(); }

    Result<KeyRotationPolicy> try_get_key_rotation_policy(std::string_view name) const {
        return name_out<KeyRotationPolicy>(name, [&](const char* n, kv_key_rotation_policy** out, kv_error** err) {
            return kv_client_get_key_rotation_policy(get(), n, out, err);
        });
    }
    KeyRotationPolicy get_key_rotation_policy(std::string_view name) const {
        return try_get_key_rotation_policy(name).value();
    }

    /// Replaces a key's rotation policy; returns the policy as stored. An untouched
    /// KeyRotationPolicy is sent as an empty policy.
    Result<KeyRotationPolicy> try_update_key_rotation_policy(std::string_view name, const KeyRotationPolicy& policy) const {
        KeyRotationPolicy empty;
        const kv_key_rotation_policy* p = policy.get();
        if (p == nullptr) {
            p = empty.handle();
        }
        return name_out<KeyRotationPolicy>(name, [&](const char* n, kv_key_rotation_policy** out, kv_error** err) {
            return kv_client_update_key_rotation_policy(get(), n, p, out, err);
        });
    }
    KeyRotationPolicy update_key_rotation_policy(std::string_view name, const KeyRotationPolicy& policy) const {
        return try_update_key_rotation_policy(name, policy).value();
    }

    /* ---- cryptography (in the vault) -------------------------------------------------------- */

    /// Signs a digest (exactly as long as the algorithm's hash); the result's value is the signature.
    Result<CryptoResult> try_sign(std::string_view name, std::string_view version, SignatureAlgorithm alg,
                                  bytes_view digest) const {
        return name_version_out<CryptoResult>(
            name, version, [&](const char* n, const char* v, kv_crypto_result** out, kv_error** err) {
                return kv_client_sign(get(), n, v, static_cast<kv_signature_algorithm>(alg), digest.data(),
                                      digest.size(), out, err);
            });
    }
    CryptoResult sign(std::string_view name, std::string_view version, SignatureAlgorithm alg, bytes_view digest) const {
        return try_sign(name, version, alg, digest).value();
    }
    Result<CryptoResult> try_sign(std::string_view name, SignatureAlgorithm alg, bytes_view digest) const {
        return try_sign(name, {}, alg, digest);
    }
    CryptoResult sign(std::string_view name, SignatureAlgorithm alg, bytes_view digest) const {
        return try_sign(name, alg, digest).value();
    }

    /// Verifies a signature over a digest in the vault: the bool is whether it is valid.
    Result<bool> try_verify(std::string_view name, std::string_view version, SignatureAlgorithm alg, bytes_view digest,
                            bytes_view signature) const {
        return name_version_bool(name, version, [&](const char* n, const char* v, bool* valid, kv_error** err) {
            return kv_client_verify(get(), n, v, static_cast<kv_signature_algorithm>(alg), digest.data(), digest.size(),
                                    signature.data(), signature.size(), valid, err);
        });
    }
    bool verify(std::string_view name, std::string_view version, SignatureAlgorithm alg, bytes_view digest,
                bytes_view signature) const {
        return try_verify(name, version, alg, digest, signature).value();
    }
    Result<bool> try_verify(std::string_view name, SignatureAlgorithm alg, bytes_view digest, bytes_view signature) const {
        return try_verify(name, {}, alg, digest, signature);
    }
    bool verify(std::string_view name, SignatureAlgorithm alg, bytes_view digest, bytes_view signature) const {
        return try_verify(name, alg, digest, signature).value();
    }

    /// Hashes `data` locally with the algorithm's hash, then signs the digest in the vault.
    Result<CryptoResult> try_sign_data(std::string_view name, std::string_view version, SignatureAlgorithm alg,
                                       bytes_view data) const {
        return name_version_out<CryptoResult>(
            name, version, [&](const char* n, const char* v, kv_crypto_result** out, kv_error** err) {
                return kv_client_sign_data(get(), n, v, static_cast<kv_signature_algorithm>(alg), data.data(),
                                           data.size(), out, err);
            });
    }
    CryptoResult sign_data(std::string_view name, std::string_view version, SignatureAlgorithm alg,
                           bytes_view data) const {
        return try_sign_data(name, version, alg, data).value();
    }
    Result<CryptoResult> try_sign_data(std::string_view name, SignatureAlgorithm alg, bytes_view data) const {
        return try_sign_data(name, {}, alg, data);
    }
    CryptoResult sign_data(std::string_view name, SignatureAlgorithm alg, bytes_view data) const {
        return try_sign_data(name, alg, data).value();
    }

    /// Hashes `data` locally, then verifies the signature over the digest in the vault.
    Result<bool> try_verify_data(std::string_view name, std::string_view version, SignatureAlgorithm alg,
                                 bytes_view data, bytes_view signature) const {
        return name_version_bool(name, version, [&](const char* n, const char* v, bool* valid, kv_error** err) {
            return kv_client_verify_data(get(), n, v, static_cast<kv_signature_algorithm>(alg), data.data(),
                                         data.size(), signature.data(), signature.size(), valid, err);
        });
    }
    bool verify_data(std::string_view name, std::string_view version, SignatureAlgorithm alg, bytes_view data,
                     bytes_view signature) const {
        return try_verify_data(name, version, alg, data, signature).value();
    }
    Result<bool> try_verify_data(std::string_view name, SignatureAlgorithm alg, bytes_view data,
                                 bytes_view signature) const {
        return try_verify_data(name, {}, alg, data, signature);
    }
    bool verify_data(std::string_view name, SignatureAlgorithm alg, bytes_view data, bytes_view signature) const {
        return try_verify_data(name, alg, data, signature).value();
    }

    /// Encrypts in the vault; `params` gives the iv and aad for AES (untouched = none).
    Result<CryptoResult> try_encrypt(std::string_view name, std::string_view version, EncryptionAlgorithm alg,
                                     bytes_view plaintext, const CryptoParams& params = CryptoParams()) const {
        return name_version_out<CryptoResult>(
            name, version, [&](const char* n, const char* v, kv_crypto_result** out, kv_error** err) {
                return kv_client_encrypt(get(), n, v, static_cast<kv_encryption_algorithm>(alg), plaintext.data(), plaintext.size(),
                                    params.get(), out, err);
            });
    }
    CryptoResult encrypt(std::string_view name, std::string_view version, EncryptionAlgorithm alg, bytes_view plaintext,
                         const CryptoParams& params = CryptoParams()) const {
        return try_encrypt(name, version, alg, plaintext, params).value();
    }
    Result<CryptoResult> try_encrypt(std::string_view name, EncryptionAlgorithm alg, bytes_view plaintext,
                                     const CryptoParams& params = CryptoParams()) const {
        return try_encrypt(name, {}, alg, plaintext, params);
    }
    CryptoResult encrypt(std::string_view name, EncryptionAlgorithm alg, bytes_view plaintext,
                         const CryptoParams& params = CryptoParams()) const {
        return try_encrypt(name, alg, plaintext, params).value();
    }

    /// Decrypts in the vault; AES-GCM needs the iv and tag (and aad) in `params`, AES-CBC the iv.
    Result<CryptoResult> try_decrypt(std::string_view name, std::string_view version, EncryptionAlgorithm alg,
                                     bytes_view ciphertext, const CryptoParams& params = CryptoParams()) const {
        return name_version_out<CryptoResult>(
            name, version, [&](const char* n, const char* v, kv_crypto_result** out, kv_error** err) {
                return kv_client_decrypt(get(), n, v, static_cast<kv_encryption_algorithm>(alg), ciphertext.data(), ciphertext.size(),
                                    params.get(), out, err);
            });
    }
    CryptoResult decrypt(std::string_view name, std::string_view version, EncryptionAlgorithm alg,
                         bytes_view ciphertext, const CryptoParams& params = CryptoParams()) const {
        return try_decrypt(name, version, alg, ciphertext, params).value();
    }
    Result<CryptoResult> try_decrypt(std::string_view name, EncryptionAlgorithm alg, bytes_view ciphertext,
                                     const CryptoParams& params = CryptoParams()) const {
        return try_decrypt(name, {}, alg, ciphertext, params);
    }
    CryptoResult decrypt(std::string_view name, EncryptionAlgorithm alg, bytes_view ciphertext,
                         const CryptoParams& params = CryptoParams()) const {
        return try_decrypt(name, alg, ciphertext, params).value();
    }

    /// Wraps a symmetric key with a vault key.
    Result<CryptoResult> try_wrap_key(std::string_view name, std::string_view version, EncryptionAlgorithm alg,
                                      bytes_view key, const CryptoParams& params = CryptoParams()) const {
        return name_version_out<CryptoResult>(
            name, version, [&](const char* n, const char* v, kv_crypto_result** out, kv_error** err) {
                return kv_client_wrap_key(get(), n, v, static_cast<kv_encryption_algorithm>(alg), key.data(), key.size(),
                                    params.get(), out, err);
            });
    }
    CryptoResult wrap_key(std::string_view name, std::string_view version, EncryptionAlgorithm alg, bytes_view key,
                          const CryptoParams& params = CryptoParams()) const {
        return try_wrap_key(name, version, alg, key, params).value();
    }
    Result<CryptoResult> try_wrap_key(std::string_view name, EncryptionAlgorithm alg, bytes_view key,
                                      const CryptoParams& params = CryptoParams()) const {
        return try_wrap_key(name, {}, alg, key, params);
    }
    CryptoResult wrap_key(std::string_view name, EncryptionAlgorithm alg, bytes_view key,
                          const CryptoParams& params = CryptoParams()) const {
        return try_wrap_key(name, alg, key, params).value();
    }

    /// Unwraps a wrapped key with a vault key.
    Result<CryptoResult> try_unwrap_key(std::string_view name, std::string_view version, EncryptionAlgorithm alg,
                                        bytes_view wrapped_key, const CryptoParams& params = CryptoParams()) const {
        return name_version_out<CryptoResult>(
            name, version, [&](const char* n, const char* v, kv_crypto_result** out, kv_error** err) {
                return kv_client_unwrap_key(get(), n, v, static_cast<kv_encryption_algorithm>(alg), wrapped_key.data(), wrapped_key.size(),
                                    params.get(), out, err);
            });
    }
    CryptoResult unwrap_key(std::string_view name, std::string_view version, EncryptionAlgorithm alg,
                            bytes_view wrapped_key, const CryptoParams& params = CryptoParams()) const {
        return try_unwrap_key(name, version, alg, wrapped_key, params).value();
    }
    Result<CryptoResult> try_unwrap_key(std::string_view name, EncryptionAlgorithm alg, bytes_view wrapped_key,
                                        const CryptoParams& params = CryptoParams()) const {
        return try_unwrap_key(name, {}, alg, wrapped_key, params);
    }
    CryptoResult unwrap_key(std::string_view name, EncryptionAlgorithm alg, bytes_view wrapped_key,
                            const CryptoParams& params = CryptoParams()) const {
        return try_unwrap_key(name, alg, wrapped_key, params).value();
    }

    /* ---- certificates ----------------------------------------------------------------------- */

    /// Starts creating a certificate (new version); returns the pending operation. Wait with
    /// wait_for_certificate.
    Result<CertificateOperation> try_create_certificate(std::string_view name, const CertificatePolicy& policy,
                                                        const CertificateOptions& opts = CertificateOptions()) const {
        return name_out<CertificateOperation>(name, [&](const char* n, kv_certificate_operation** out, kv_error** err) {
            return kv_client_create_certificate(get(), n, policy.get(), opts.get(), out, err);
        });
    }
    CertificateOperation create_certificate(std::string_view name, const CertificatePolicy& policy,
                                            const CertificateOptions& opts = CertificateOptions()) const {
        return try_create_certificate(name, policy, opts).value();
    }
    /// Waits until the creation finishes; a failed operation is its error as a kv::Error.
    Result<Certificate> try_wait_for_certificate(std::string_view name,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_out<Certificate>(name, [&](const char* n, kv_certificate** out, kv_error** err) {
            return kv_client_wait_for_certificate(get(), n, ms, out, err);
        });
    }
    Certificate wait_for_certificate(std::string_view name, std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        return try_wait_for_certificate(name, timeout).value();
    }
    /// Imports a certificate with its key: PEM, or PKCS#12 bytes with `password` ("" = none).
    /// `policy` may be nullptr.
    Result<Certificate> try_import_certificate(std::string_view name, bytes_view data, std::string_view password = {},
                                               const CertificatePolicy* policy = nullptr,
                                               const CertificateOptions& opts = CertificateOptions()) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* pw = a.optional(password, "password");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Certificate>([&](kv_certificate** out, kv_error** err) {
            return kv_client_import_certificate(get(), n, data.data(), data.size(), pw, policy ? policy->get() : nullptr,
                                                opts.get(), out, err);
        });
    }
    Certificate import_certificate(std::string_view name, bytes_view data, std::string_view password = {},
                                   const CertificatePolicy* policy = nullptr,
                                   const CertificateOptions& opts = CertificateOptions()) const {
        return try_import_certificate(name, data, password, policy, opts).value();
    }
    Result<Certificate> try_get_certificate(std::string_view name, std::string_view version = {}) const {
        return name_version_out<Certificate>(name, version, [&](const char* n, const char* v, kv_certificate** out, kv_error** err) {
            return kv_client_get_certificate(get(), n, v, out, err);
        });
    }
    Certificate get_certificate(std::string_view name, std::string_view version = {}) const {
        return try_get_certificate(name, version).value();
    }
    Result<Certificate> try_update_certificate_properties(std::string_view name, std::string_view version,
                                                          const CertificateOptions& opts) const {
        return name_version_out<Certificate>(name, version, [&](const char* n, const char* v, kv_certificate** out, kv_error** err) {
            return kv_client_update_certificate_properties(get(), n, v, opts.get(), out, err);
        });
    }
    Certificate update_certificate_properties(std::string_view name, std::string_view version, const CertificateOptions& opts) const {
        return try_update_certificate_properties(name, version, opts).value();
    }
    Result<CertificatePolicy> try_get_certificate_policy(std::string_view name) const {
        return name_out<CertificatePolicy>(name, [&](const char* n, kv_certificate_policy** out, kv_error** err) {
            return kv_client_get_certificate_policy(get(), n, out, err);
        });
    }
    CertificatePolicy get_certificate_policy(std::string_view name) const { return try_get_certificate_policy(name).value(); }
    Result<CertificatePolicy> try_update_certificate_policy(std::string_view name, const CertificatePolicy& policy) const {
        return name_out<CertificatePolicy>(name, [&](const char* n, kv_certificate_policy** out, kv_error** err) {
            return kv_client_update_certificate_policy(get(), n, policy.get(), out, err);
        });
    }
    CertificatePolicy update_certificate_policy(std::string_view name, const CertificatePolicy& policy) const {
        return try_update_certificate_policy(name, policy).value();
    }
    Result<CertificateOperation> try_get_certificate_operation(std::string_view name) const {
        return name_out<CertificateOperation>(name, [&](const char* n, kv_certificate_operation** out, kv_error** err) {
            return kv_client_get_certificate_operation(get(), n, out, err);
        });
    }
    CertificateOperation get_certificate_operation(std::string_view name) const { return try_get_certificate_operation(name).value(); }
    Result<CertificateOperation> try_cancel_certificate_operation(std::string_view name) const {
        return name_out<CertificateOperation>(name, [&](const char* n, kv_certificate_operation** out, kv_error** err) {
            return kv_client_cancel_certificate_operation(get(), n, out, err);
        });
    }
    CertificateOperation cancel_certificate_operation(std::string_view name) const {
        return try_cancel_certificate_operation(name).value();
    }
    Result<CertificateOperation> try_delete_certificate_operation(std::string_view name) const {
        return name_out<CertificateOperation>(name, [&](const char* n, kv_certificate_operation** out, kv_error** err) {
            return kv_client_delete_certificate_operation(get(), n, out, err);
        });
    }
    CertificateOperation delete_certificate_operation(std::string_view name) const {
        return try_delete_certificate_operation(name).value();
    }
    /// Merges a certificate signed outside the vault: DER certificates, the signed one first.
    Result<Certificate> try_merge_certificate(std::string_view name, const std::vector<bytes_view>& chain,
                                              const CertificateOptions& opts = CertificateOptions()) const {
        std::vector<const std::uint8_t*> ptrs;
        std::vector<std::size_t> lens;
        for (const bytes_view& b : chain) {
            ptrs.push_back(b.data());
            lens.push_back(b.size());
        }
        return name_out<Certificate>(name, [&](const char* n, kv_certificate** out, kv_error** err) {
            return kv_client_merge_certificate(get(), n, ptrs.data(), lens.data(), ptrs.size(), opts.get(), out, err);
        });
    }
    Certificate merge_certificate(std::string_view name, const std::vector<bytes_view>& chain,
                                  const CertificateOptions& opts = CertificateOptions()) const {
        return try_merge_certificate(name, chain, opts).value();
    }
    /// Deletes a certificate (soft delete; see wait_for_deleted_certificate).
    Result<Certificate> try_delete_certificate(std::string_view name) const {
        return name_out<Certificate>(name, [&](const char* n, kv_certificate** out, kv_error** err) {
            return kv_client_delete_certificate(get(), n, out, err);
        });
    }
    Certificate delete_certificate(std::string_view name) const { return try_delete_certificate(name).value(); }
    Result<void> try_wait_for_deleted_certificate(std::string_view name,
                                                  std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_void(name, [&](const char* n, kv_error** err) { return kv_client_wait_for_deleted_certificate(get(), n, ms, err); });
    }
    void wait_for_deleted_certificate(std::string_view name, std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        try_wait_for_deleted_certificate(name, timeout).value();
    }
    Result<void> try_wait_for_recovered_certificate(std::string_view name,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const std::uint32_t ms = detail::clamp_ms(timeout);
        return name_void(name, [&](const char* n, kv_error** err) { return kv_client_wait_for_recovered_certificate(get(), n, ms, err); });
    }
    void wait_for_recovered_certificate(std::string_view name, std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        try_wait_for_recovered_certificate(name, timeout).value();
    }
    Result<Certificate> try_get_deleted_certificate(std::string_view name) const {
        return name_out<Certificate>(name, [&](const char* n, kv_certificate** out, kv_error** err) {
            return kv_client_get_deleted_certificate(get(), n, out, err);
        });
    }
    Certificate get_deleted_certificate(std::string_view name) const { return try_get_deleted_certificate(name).value(); }
    Result<Certificate> try_recover_deleted_certificate(std::string_view name) const {
        return name_out<Certificate>(name, [&](const char* n, kv_certificate** out, kv_error** err) {
            return kv_client_recover_deleted_certificate(get(), n, out, err);
        });
    }
    Certificate recover_deleted_certificate(std::string_view name) const { return try_recover_deleted_certificate(name).value(); }
    Result<void> try_purge_deleted_certificate(std::string_view name) const {
        return name_void(name, [&](const char* n, kv_error** err) { return kv_client_purge_deleted_certificate(get(), n, err); });
    }
    void purge_deleted_certificate(std::string_view name) const { try_purge_deleted_certificate(name).value(); }
    Result<Blob> try_backup_certificate(std::string_view name) const {
        return name_out<Blob>(name, [&](const char* n, kv_blob** out, kv_error** err) {
            return kv_client_backup_certificate(get(), n, out, err);
        });
    }
    Blob backup_certificate(std::string_view name) const { return try_backup_certificate(name).value(); }
    Result<Certificate> try_restore_certificate(bytes_view backup) const {
        return detail::out_call<Certificate>([&](kv_certificate** out, kv_error** err) {
            return kv_client_restore_certificate(get(), backup.data(), backup.size(), out, err);
        });
    }
    Certificate restore_certificate(bytes_view backup) const { return try_restore_certificate(backup).value(); }
    Result<CertificateIterator> try_list_certificates(bool include_pending = false) const {
        return detail::out_call<CertificateIterator>([&](kv_certificate_iter** out, kv_error** err) {
            return kv_client_list_certificates(get(), include_pending, out, err);
        });
    }
    CertificateIterator list_certificates(bool include_pending = false) const { return try_list_certificates(include_pending).value(); }
    Result<CertificateIterator> try_list_certificate_versions(std::string_view name) const {
        return name_out<CertificateIterator>(name, [&](const char* n, kv_certificate_iter** out, kv_error** err) {
            return kv_client_list_certificate_versions(get(), n, out, err);
        });
    }
    CertificateIterator list_certificate_versions(std::string_view name) const { return try_list_certificate_versions(name).value(); }
    Result<CertificateIterator> try_list_deleted_certificates(bool include_pending = false) const {
        return detail::out_call<CertificateIterator>([&](kv_certificate_iter** out, kv_error** err) {
            return kv_client_list_deleted_certificates(get(), include_pending, out, err);
        });
    }
    CertificateIterator list_deleted_certificates(bool include_pending = false) const {
        return try_list_deleted_certificates(include_pending).value();
    }
    /// The certificate with its private key (through its secret) in `format`; `password`
    /// protects PKCS#12. The Blob is zeroized when freed.
    Result<Blob> try_download_certificate(std::string_view name, std::string_view version = {},
                                          CertificateFormat format = CertificateFormat::Pem,
                                          std::string_view password = {}) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        const char* pw = a.optional(password, "password");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Blob>([&](kv_blob** out, kv_error** err) {
            return kv_client_download_certificate(get(), n, v, static_cast<kv_certificate_format>(format), pw, out, err);
        });
    }
    Blob download_certificate(std::string_view name, std::string_view version = {},
                              CertificateFormat format = CertificateFormat::Pem, std::string_view password = {}) const {
        return try_download_certificate(name, version, format, password).value();
    }
    Result<Issuer> try_set_certificate_issuer(std::string_view name, IssuerOptions& opts) const {
        kv_issuer_options* o = opts.handle();
        return name_out<Issuer>(name, [&](const char* n, kv_issuer** out, kv_error** err) {
            return kv_client_set_certificate_issuer(get(), n, o, out, err);
        });
    }
    Issuer set_certificate_issuer(std::string_view name, IssuerOptions& opts) const { return try_set_certificate_issuer(name, opts).value(); }
    Result<Issuer> try_update_certificate_issuer(std::string_view name, IssuerOptions& opts) const {
        kv_issuer_options* o = opts.handle();
        return name_out<Issuer>(name, [&](const char* n, kv_issuer** out, kv_error** err) {
            return kv_client_update_certificate_issuer(get(), n, o, out, err);
        });
    }
    Issuer update_certificate_issuer(std::string_view name, IssuerOptions& opts) const {
        return try_update_certificate_issuer(name, opts).value();
    }
    Result<Issuer> try_get_certificate_issuer(std::string_view name) const {
        return name_out<Issuer>(name, [&](const char* n, kv_issuer** out, kv_error** err) {
            return kv_client_get_certificate_issuer(get(), n, out, err);
        });
    }
    Issuer get_certificate_issuer(std::string_view name) const { return try_get_certificate_issuer(name).value(); }
    Result<Issuer> try_delete_certificate_issuer(std::string_view name) const {
        return name_out<Issuer>(name, [&](const char* n, kv_issuer** out, kv_error** err) {
            return kv_client_delete_certificate_issuer(get(), n, out, err);
        });
    }
    Issuer delete_certificate_issuer(std::string_view name) const { return try_delete_certificate_issuer(name).value(); }
    Result<IssuerIterator> try_list_certificate_issuers() const {
        return detail::out_call<IssuerIterator>(
            [&](kv_issuer_iter** out, kv_error** err) { return kv_client_list_certificate_issuers(get(), out, err); });
    }
    IssuerIterator list_certificate_issuers() const { return try_list_certificate_issuers().value(); }
    Result<Contacts> try_set_certificate_contacts(Contacts& contacts) const {
        kv_certificate_contacts* l = contacts.handle();
        return detail::out_call<Contacts>([&](kv_certificate_contacts** out, kv_error** err) {
            return kv_client_set_certificate_contacts(get(), l, out, err);
        });
    }
    Contacts set_certificate_contacts(Contacts& contacts) const { return try_set_certificate_contacts(contacts).value(); }
    Result<Contacts> try_get_certificate_contacts() const {
        return detail::out_call<Contacts>(
            [&](kv_certificate_contacts** out, kv_error** err) { return kv_client_get_certificate_contacts(get(), out, err); });
    }
    Contacts get_certificate_contacts() const { return try_get_certificate_contacts().value(); }
    Result<Contacts> try_delete_certificate_contacts() const {
        return detail::out_call<Contacts>(
            [&](kv_certificate_contacts** out, kv_error** err) { return kv_client_delete_certificate_contacts(get(), out, err); });
    }
    Contacts delete_certificate_contacts() const { return try_delete_certificate_contacts().value(); }

private:
    template <typename F>
    static Result<void> name_void(std::string_view name, F&& f) {
        detail::Args a;
        const char* n = a.text(name, "name");
        if (a.failed()) {
            return a.error();
        }
        return detail::void_call([&](kv_error** err) { return f(n, err); });
    }
    template <typename W, typename F>
    static Result<W> name_out(std::string_view name, F&& f) {
        detail::Args a;
        const char* n = a.text(name, "name");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<W>([&](typename W::c_type** out, kv_error** err) { return f(n, out, err); });
    }
    template <typename W, typename F>
    static Result<W> name_version_out(std::string_view name, std::string_view version, F&& f) {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<W>([&](typename W::c_type** out, kv_error** err) { return f(n, v, out, err); });
    }
    template <typename F>
    static Result<bool> name_version_bool(std::string_view name, std::string_view version, F&& f) {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        return detail::bool_call([&](bool* valid, kv_error** err) { return f(n, v, valid, err); });
    }
};

/* ---------------------------------------------------------------------------------------------
 * Secret cache: SecretCacheOptions, SecretCache (kv_secret_cache_* of kv.h)
 * ------------------------------------------------------------------------------------------- */

/// Settings of a SecretCache (untouched = kv's defaults: TTL 5 min, jitter 0.1, refresh ahead 30 s,
/// stale for 5 min, 1024 entries, error retry 1 s).
class SecretCacheOptions : public unique_handle<kv_secret_cache_options, kv_secret_cache_options_free> {
public:
    using unique_handle::unique_handle;
    SecretCacheOptions() noexcept = default;

    /// How long a value of the latest version is served (at least 1 ms).
    Result<void> try_set_ttl(std::chrono::milliseconds d) { return ms(d, kv_secret_cache_options_set_ttl_ms); }
    SecretCacheOptions& set_ttl(std::chrono::milliseconds d) { return done(try_set_ttl(d)); }
    /// Share of the TTL (0.0 to 1.0) by which each value's life is shortened at random.
    Result<void> try_set_jitter(double share) {
        kv_secret_cache_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_cache_options_set_jitter(o, share, err); });
    }
    SecretCacheOptions& set_jitter(double share) { return done(try_set_jitter(share)); }
    /// In the last `d` of a value's life the first caller refreshes it, the others keep it (0 = off).
    Result<void> try_set_refresh_ahead(std::chrono::milliseconds d) {
        return ms(d, kv_secret_cache_options_set_refresh_ahead_ms);
    }
    SecretCacheOptions& set_refresh_ahead(std::chrono::milliseconds d) { return done(try_set_refresh_ahead(d)); }
    /// How long past expiry a value is served, flagged stale, while the vault throttles, fails or
    /// cannot be reached (0 = off).
    Result<void> try_set_stale_for(std::chrono::milliseconds d) { return ms(d, kv_secret_cache_options_set_stale_for_ms); }
    SecretCacheOptions& set_stale_for(std::chrono::milliseconds d) { return done(try_set_stale_for(d)); }
    /// The most values held; the least recently used is evicted beyond it (at least 1).
    Result<void> try_set_max_entries(std::uint64_t n) {
        kv_secret_cache_options* o = handle();
        return detail::void_call([&](kv_error** err) { return kv_secret_cache_options_set_max_entries(o, n, err); });
    }
    SecretCacheOptions& set_max_entries(std::uint64_t n) { return done(try_set_max_entries(n)); }
    /// The least time between requests for a secret after a failure.
    Result<void> try_set_error_retry(std::chrono::milliseconds d) {
        return ms(d, kv_secret_cache_options_set_error_retry_ms);
    }
    SecretCacheOptions& set_error_retry(std::chrono::milliseconds d) { return done(try_set_error_retry(d)); }

private:
    friend class SecretCache;
    kv_secret_cache_options* handle() { return ensure<kv_secret_cache_options_new>(); }
    SecretCacheOptions& done(const Result<void>& r) {
        r.value();
        return *this;
    }
    Result<void> ms(std::chrono::milliseconds d, kv_status (*set)(kv_secret_cache_options*, std::uint64_t, kv_error**)) {
        if (d.count() < 0) {
            return Error(KV_STATUS_INVALID_ARGUMENT, "a cache duration must not be negative");
        }
        kv_secret_cache_options* o = handle();
        const auto v = static_cast<std::uint64_t>(d.count());
        return detail::void_call([&](kv_error** err) { return set(o, v, err); });
    }
};

/// A secret from SecretCache::get_ex, and whether it was served stale.
struct CachedSecret {
    Secret secret;
    /// True when the value is past its expiry and served because the vault throttled, failed or
    /// could not be reached.
    bool stale = false;
};

/// A cache of secrets over a Client: get() answers from memory while a value is fresh, else asks
/// the vault once however many threads ask (the others wait for that answer); refresh ahead of
/// expiry, stale values while the vault is down (bounded), an LRU bound, invalidation, counters.
/// A get with a version pins it (never fetched again). Thread-safe like Client; values are
/// zeroized when they leave the cache. It may outlive the Client it was made from.
class SecretCache : public unique_handle<kv_secret_cache, kv_secret_cache_free> {
public:
    using unique_handle::unique_handle;
    using unique_handle::get;  // get() is the raw handle; get(name, version) a secret
    SecretCache() noexcept = default;

    /// A cache over `client` with `options` (untouched = defaults). Throws kv::Error.
    SecretCache(const Client& client, const SecretCacheOptions& options = SecretCacheOptions())
        : SecretCache(create(client, options).value()) {}

    /// The non-throwing constructor.
    static Result<SecretCache> create(const Client& client, const SecretCacheOptions& options = SecretCacheOptions()) {
        return detail::out_call<SecretCache>([&](kv_secret_cache** out, kv_error** err) {
            return kv_secret_cache_new(client.get(), options.get(), out, err);
        });
    }

    /// The secret with its value (`version` empty = the latest), from memory when fresh.
    Result<Secret> try_get(std::string_view name, std::string_view version = {}) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        return detail::out_call<Secret>(
            [&](kv_secret** out, kv_error** err) { return kv_secret_cache_get(get(), n, v, out, err); });
    }
    Secret get(std::string_view name, std::string_view version = {}) const { return try_get(name, version).value(); }

    /// Like get(), also telling whether the value was served stale.
    Result<CachedSecret> try_get_ex(std::string_view name, std::string_view version = {}) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        bool stale = false;
        Result<Secret> r = detail::out_call<Secret>([&](kv_secret** out, kv_error** err) {
            return kv_secret_cache_get_ex(get(), n, v, out, &stale, err);
        });
        if (!r.ok()) {
            return r.error();
        }
        return CachedSecret{std::move(r.value()), stale};
    }
    CachedSecret get_ex(std::string_view name, std::string_view version = {}) const {
        return try_get_ex(name, version).value();
    }

    /// Like try_get_ex(), under a call context: a request the get makes, or its wait for another
    /// thread's request of the same secret, ends when `context` is cancelled or its deadline
    /// passes (KV_STATUS_CANCELLED / KV_STATUS_TIMEOUT); a hit answers from memory as usual.
    Result<CachedSecret> try_get_ex(const CallContext& context, std::string_view name,
                                    std::string_view version = {}) const {
        detail::Args a;
        const char* n = a.text(name, "name");
        const char* v = a.optional(version, "version");
        if (a.failed()) {
            return a.error();
        }
        bool stale = false;
        Result<Secret> r = detail::out_call<Secret>([&](kv_secret** out, kv_error** err) {
            return kv_secret_cache_get_in_context(get(), context.get(), n, v, out, &stale, err);
        });
        if (!r.ok()) {
            return r.error();
        }
        return CachedSecret{std::move(r.value()), stale};
    }
    /// get() under a call context (see try_get_ex with a context); throws kv::Error on failure.
    Secret get(const CallContext& context, std::string_view name, std::string_view version = {}) const {
        CachedSecret cached = try_get_ex(context, name, version).value();
        return std::move(cached.secret);
    }

    /// Removes every cached version of `name` (empty = everything); returns how many values.
    std::uint64_t invalidate(std::string_view name = {}) const {
        if (name.empty()) {
            return kv_secret_cache_invalidate(get(), nullptr);
        }
        if (name.find('\0') != std::string_view::npos) {
            return 0;
        }
        const std::string n(name);
        return kv_secret_cache_invalidate(get(), n.c_str());
    }

    /// The counters and the number of values held (zeros for an empty owner).
    kv_secret_cache_counters stats() const noexcept {
        kv_secret_cache_counters c{};
        kv_secret_cache_stats(get(), &c);
        return c;
    }
};

}  // namespace kv

#undef KV_HPP_TEXT
#undef KV_HPP_BYTES
#undef KV_HPP_TEXT_AT

#endif /* KV_HPP */
