// Result<T, E>: the project's way of returning expected failures as values.
//
// Malformed answers, timeouts, bogus chains and bad input are normal events for a DNS monitor, so
// no module lets them escape as exceptions; only start-up and the config loader throw (see README,
// "Error policy"). libstdc++ 12 has no std::expected in C++20, hence this small equivalent.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace zonewatch {

// The default error: a human-readable reason. Modules with richer errors use their own E.
struct Error {
  std::string message;
};

template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

inline Unexpected<Error> fail(std::string message) {
  return {Error{std::move(message)}};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <class G, class = std::enable_if_t<std::is_convertible_v<G, E>>>
  Result(Unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u.error))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Result of an operation that produces nothing but may fail.
struct Ok {};
template <class E = Error>
using Status = Result<Ok, E>;

}  // namespace zonewatch
