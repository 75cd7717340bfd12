#pragma once
// The library aliases used throughout proxy/ (Beast's convention).
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace geogate {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

/// Every awaited operation returns its error as a value, because errors on the data plane are
/// values and no exception may leave a session or cross an Asio handler (the design's
/// architecture.md, "Conventions" 4): `auto [ec, n] = co_await op(..., use_nothrow);`
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

template <class T> using awaitable = net::awaitable<T>;

} // namespace geogate
