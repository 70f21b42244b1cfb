#include "parlor/auth/admin.hpp"

#include <catch2/catch.hpp>

using namespace parlor::auth;

TEST_CASE("a signed admin request verifies for exactly what was signed",
          "[auth]") {
  const int64_t now = 1'700'000'000'000;
  auto target = std::string{"/api/admin/drain?node=a"};
  auto header = sign_admin_request("s3cret", "POST", target, now);
  CHECK(header.rfind("Parlor-HMAC ts=", 0) == 0);
  CHECK(verify_admin_request("s3cret", header, "POST", target, now));
  // Clocks may differ a little.
  CHECK(verify_admin_request("s3cret", header, "POST", target, now + 59'000));
  CHECK(verify_admin_request("s3cret", header, "POST", target, now - 59'000));
  // Not another secret, method, action or node; not much later.
  CHECK_FALSE(verify_admin_request("other", header, "POST", target, now));
  CHECK_FALSE(verify_admin_request("s3cret", header, "GET", target, now));
  CHECK_FALSE(verify_admin_request("s3cret", header, "POST",
                                   "/api/admin/resume?node=a", now));
  CHECK_FALSE(verify_admin_request("s3cret", header, "POST",
                                   "/api/admin/drain?node=b", now));
  CHECK_FALSE(
    verify_admin_request("s3cret", header, "POST", target, now + 61'000));
}

TEST_CASE("malformed admin authorizations are refused", "[auth]") {
  const int64_t now = 1'700'000'000'000;
  auto target = std::string{"/api/admin/drain?node=a"};
  auto good = sign_admin_request("s3cret", "POST", target, now);
  auto mac = good.substr(good.find("mac=") + 4);
  for (std::string bad :
       {std::string{}, std::string{"Bearer s3cret"},
        std::string{"Parlor-HMAC "}, "Parlor-HMAC ts=, mac=" + mac,
        "Parlor-HMAC ts=12x, mac=" + mac,
        "Parlor-HMAC mac=" + mac,
        "Parlor-HMAC ts=" + std::to_string(now) + ", mac=",
        "Parlor-HMAC ts=" + std::to_string(now) + ", mac=" + mac + "0",
        "parlor-hmac ts=" + std::to_string(now) + ", mac=" + mac})
    CHECK_FALSE(verify_admin_request("s3cret", bad, "POST", target, now));
  // Parameters may come in either order.
  CHECK(verify_admin_request(
    "s3cret", "Parlor-HMAC mac=" + mac + ", ts=" + std::to_string(now),
    "POST", target, now));
}

TEST_CASE("an admin signature is used once", "[auth]") {
  const int64_t now = 1'700'000'000'000;
  auto target = std::string{"/api/admin/drain?node=a"};
  auto header = sign_admin_request("s3cret", "POST", target, now);
  replay_guard guard;
  CHECK(guard.first_use(header, now));
  CHECK_FALSE(guard.first_use(header, now + 1));
  // Extra parameters do not make it new.
  CHECK_FALSE(guard.first_use(header + ", x=1", now + 2));
  CHECK_FALSE(guard.first_use(header, now + 59'000));
  // Another request, signed a millisecond later, is.
  CHECK(guard.first_use(sign_admin_request("s3cret", "POST", target, now + 1),
                        now + 1));
  // Long after the skew verify refuses it anyway, and the guard forgets it.
  CHECK(guard.first_use(header, now + 3 * admin_clock_skew_ms));
  CHECK_FALSE(guard.first_use("Bearer x", now));
}
