#include "parlor/link/certs.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace parlor::link {

namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};

using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION,
                                deleter<X509_EXTENSION, X509_EXTENSION_free>>;

constexpr long valid_days = 365;

[[noreturn]] void openssl_failed(const char* what) {
  auto code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "unknown OpenSSL error";
  if (code != 0)
    ERR_error_string_n(code, text, sizeof text);
  throw std::runtime_error(std::string{"cannot "} + what + ": " + text);
}

pkey_ptr new_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    openssl_failed("make a key");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    openssl_failed("add a certificate extension");
}

/// A certificate for `key` named `name`, signed by `issuer_key` (the same
/// key for the CA itself).
x509_ptr new_cert(const std::string& name, EVP_PKEY* key, X509* issuer,
                  EVP_PKEY* issuer_key, bool is_ca) {
  x509_ptr cert{X509_new()};
  if (!cert || X509_set_version(cert.get(), 2) != 1)
    openssl_failed("make a certificate");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1)
    openssl_failed("make a serial number");
  serial[0] &= 0x7f; // positive
  std::unique_ptr<BIGNUM, deleter<BIGNUM, BN_free>> bn{
    BN_bin2bn(serial, sizeof serial, nullptr)};
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    openssl_failed("set a serial number");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), valid_days * 24 * 3600);
  if (X509_set_pubkey(cert.get(), key) != 1)
    openssl_failed("set a public key");
  auto* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Parlor"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(
                               name.c_str()),
                             -1, -1, 0);
  auto* issuer_cert = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert))
      != 1)
    openssl_failed("set the issuer");
  if (is_ca) {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints,
                  "critical,CA:TRUE,pathlen:0");
    add_extension(cert.get(), issuer_cert, NID_key_usage,
                  "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), issuer_cert, NID_basic_constraints,
                  "critical,CA:FALSE");
    add_extension(cert.get(), issuer_cert, NID_key_usage,
                  "critical,digitalSignature");
    add_extension(cert.get(), issuer_cert, NID_ext_key_usage,
                  "serverAuth,clientAuth");
    auto san = "DNS:" + name;
    add_extension(cert.get(), issuer_cert, NID_subject_alt_name, san.c_str());
  }
  add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (!is_ca)
    add_extension(cert.get(), issuer_cert, NID_authority_key_identifier,
                  "keyid:always");
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    openssl_failed("sign a certificate");
  return cert;
}

template <class Write>
std::string pem(Write write) {
  bio_ptr mem{BIO_new(BIO_s_mem())};
  if (!mem || write(mem.get()) != 1)
    openssl_failed("encode PEM");
  char* data = nullptr;
  auto len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

/// Writes a new file (never over an existing one) with `mode`.
void write_new(const std::filesystem::path& path, const std::string& text,
               mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("cannot write " + path.string() + ": "
                             + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto err = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path.string() + ": "
                               + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw std::runtime_error("cannot write " + path.string() + ": "
                             + std::strerror(errno));
}

std::string key_pem(EVP_PKEY* key) {
  return pem([key](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr,
                                    nullptr);
  });
}

std::string cert_pem(X509* cert) {
  return pem([cert](BIO* b) { return PEM_write_bio_X509(b, cert); });
}

} // namespace

std::vector<std::filesystem::path>
generate_certs(const std::filesystem::path& dir, int nodes) {
  if (nodes < 1 || nodes > 1000)
    throw std::runtime_error("--nodes must be 1 to 1000");
  std::vector<std::filesystem::path> files{dir / "ca.pem", dir / "ca.key"};
  for (int i = 1; i <= nodes; ++i) {
    files.push_back(dir / ("node" + std::to_string(i) + ".pem"));
    files.push_back(dir / ("node" + std::to_string(i) + ".key"));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create " + dir.string() + ": "
                             + ec.message());
  for (auto& f : files)
    if (std::filesystem::exists(f))
      throw std::runtime_error(f.string()
                               + " exists: remove it or choose another "
                                 "directory");
  auto ca_key = new_key();
  // A name of its own, so that certificates of two such CAs are never
  // mistaken for each other's.
  unsigned char tag[4];
  if (RAND_bytes(tag, sizeof tag) != 1)
    openssl_failed("name the CA");
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", tag[0], tag[1], tag[2],
                tag[3]);
  auto ca = new_cert(std::string{"Parlor cluster CA "} + hex, ca_key.get(),
                     nullptr, ca_key.get(), true);
  write_new(files[0], cert_pem(ca.get()), 0644);
  write_new(files[1], key_pem(ca_key.get()), 0600);
  for (int i = 1; i <= nodes; ++i) {
    auto key = new_key();
    auto cert = new_cert("node" + std::to_string(i), key.get(), ca.get(),
                         ca_key.get(), false);
    write_new(files[2 * i], cert_pem(cert.get()), 0644);
    write_new(files[2 * i + 1], key_pem(key.get()), 0600);
  }
  return files;
}

} // namespace parlor::link
