#include "monitor/resolver/server_address.h"

#include <gtest/gtest.h>

namespace zonewatch::resolver {
namespace {

TEST(ServerAddressTest, ParsesIpv4WithAndWithoutPort) {
  auto plain = ServerAddress::parse("192.0.2.1");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->ip, "192.0.2.1");
  EXPECT_EQ(plain->port, 53);
  EXPECT_FALSE(plain->isIpv6());

  auto withPort = ServerAddress::parse("127.0.0.1:5353");
  ASSERT_TRUE(withPort.ok()) << withPort.error().message;
  EXPECT_EQ(withPort->ip, "127.0.0.1");
  EXPECT_EQ(withPort->port, 5353);
}

TEST(ServerAddressTest, ParsesIpv6BareAndBracketed) {
  auto bare = ServerAddress::parse("2001:DB8:0:0::1");
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_EQ(bare->ip, "2001:db8::1");  // canonical form
  EXPECT_EQ(bare->port, 53);
  EXPECT_TRUE(bare->isIpv6());

  auto bracketed = ServerAddress::parse("[::1]");
  ASSERT_TRUE(bracketed.ok());
  EXPECT_EQ(bracketed->ip, "::1");
  EXPECT_EQ(bracketed->port, 53);

  auto withPort = ServerAddress::parse("[::1]:5353");
  ASSERT_TRUE(withPort.ok());
  EXPECT_EQ(withPort->ip, "::1");
  EXPECT_EQ(withPort->port, 5353);
}

TEST(ServerAddressTest, FormatsWithPortAndRoundTrips) {
  for (const char* text : {"192.0.2.1:53", "127.53.0.1:5353", "[2001:db8::1]:53", "[::1]:65535"}) {
    auto parsed = ServerAddress::parse(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(parsed->toString(), text);
    auto again = ServerAddress::parse(parsed->toString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *parsed);
  }
  EXPECT_EQ(ServerAddress::parse("::1")->toString(), "[::1]:53");
}

TEST(ServerAddressTest, RejectsWhatIsNotAnAddressAndPort) {
  for (const char* text :
       {"", "example.com", "192.0.2", "192.0.2.256", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536",
        "192.0.2.1:53x", "[::1", "[::1]x", "[::1]:", "[192.0.2.1]:53", "::1:53:", "fe80::1%eth0",
        " 192.0.2.1", "192.0.2.1:-1"}) {
    EXPECT_FALSE(ServerAddress::parse(text).ok()) << '"' << text << '"';
  }
}

TEST(ServerAddressTest, MakeValidatesTheLiteral) {
  EXPECT_TRUE(ServerAddress::make("127.0.0.1", 53).ok());
  EXPECT_FALSE(ServerAddress::make("localhost", 53).ok());
  EXPECT_FALSE(ServerAddress::make("127.0.0.1", 0).ok());
  EXPECT_EQ(ServerAddress::make("0:0::1")->ip, "::1");
}

TEST(ServerAddressTest, OrdersAndComparesByIpThenPort) {
  auto a = *ServerAddress::parse("10.0.0.1:53");
  auto b = *ServerAddress::parse("10.0.0.1:54");
  EXPECT_LT(a, b);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, *ServerAddress::parse("10.0.0.1"));
}

}  // namespace
}  // namespace zonewatch::resolver
