#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace parlor::link {

namespace {

namespace ssl = boost::asio::ssl;

[[noreturn]] void fail(const std::string& flag, const std::string& file,
                       const std::string& why) {
  throw std::runtime_error("cannot use --cluster-tls-" + flag + "=" + file
                           + ": " + why);
}

std::string openssl_reason() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

/// Fails unless the CA in `ctx`'s store signed `ctx`'s own certificate.
void check_signed_by_ca(ssl::context& ctx, const tls_files& files) {
  auto* native = ctx.native_handle();
  auto* own = SSL_CTX_get0_certificate(native);
  auto* store = SSL_CTX_get_cert_store(native);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> check{
    X509_STORE_CTX_new(), &X509_STORE_CTX_free};
  if (!check || X509_STORE_CTX_init(check.get(), store, own, nullptr) != 1)
    fail("cert", files.cert, openssl_reason());
  if (X509_verify_cert(check.get()) != 1)
    fail("cert", files.cert,
         std::string{"not signed by --cluster-tls-ca ("}
           + X509_verify_cert_error_string(
             X509_STORE_CTX_get_error(check.get()))
           + "): its peers would refuse it");
}

} // namespace

ssl::context make_tls_context(const tls_files& files) {
  ssl::context ctx{ssl::context::tls};
  auto* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(files.cert, ec);
  if (ec)
    fail("cert", files.cert, ec.message());
  ctx.use_private_key_file(files.key, ssl::context::pem, ec);
  if (ec)
    fail("key", files.key, ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    fail("key", files.key, "key values mismatch (not the key of "
                           "--cluster-tls-cert)");
  ctx.load_verify_file(files.ca, ec);
  if (ec)
    fail("ca", files.ca, ec.message());
  check_signed_by_ca(ctx, files);
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

} // namespace parlor::link
