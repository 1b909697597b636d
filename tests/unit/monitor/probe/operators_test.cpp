#include "monitor/probe/operators.h"

#include <gtest/gtest.h>

namespace zonewatch::probe {
namespace {

dns::Name name(std::string_view text) {
  return *dns::Name::parse(text);
}

class OperatorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = OperatorResolver::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    resolver_.emplace(std::move(*loaded));
  }
  std::optional<OperatorResolver> resolver_;
};

TEST_F(OperatorsTest, RegistrableDomainUnderAMultiLabelSuffix) {
  EXPECT_EQ(resolver_->operatorOf(name("ns1.example.co.uk.")), "example.co.uk.");
}

TEST_F(OperatorsTest, UnknownTldFollowsTheDefaultRule) {
  // "lab" is in no list: the default rule "*" makes it a suffix, so the operator is two labels.
  EXPECT_EQ(resolver_->operatorOf(name("ns.child01.lab.")), "child01.lab.");
}

TEST_F(OperatorsTest, DeepHostWithoutTrailingDot) {
  EXPECT_EQ(resolver_->operatorOf(name("a.b.c.example.com")), "example.com.");
}

TEST_F(OperatorsTest, CaseIsFolded) {
  EXPECT_EQ(resolver_->operatorOf(name("NS1.Example-DNS.NET.")), "example-dns.net.");
}

TEST_F(OperatorsTest, APublicSuffixIsItsOwnOperator) {
  EXPECT_EQ(resolver_->operatorOf(name("co.uk.")), "co.uk.");
  EXPECT_EQ(resolver_->operatorOf(name("com.")), "com.");
  EXPECT_EQ(resolver_->operatorOf(name(".")), ".");
}

TEST_F(OperatorsTest, PrivateSectionSuffixes) {
  // github.io is in the list's private section: each user's site is its own registrable domain.
  EXPECT_EQ(resolver_->operatorOf(name("ns.alice.github.io.")), "alice.github.io.");
}

TEST_F(OperatorsTest, OperatorsOfIsSortedAndDistinct) {
  std::vector<dns::Name> hosts{name("ns2.example-dns.net."), name("b.iana-servers.net."),
                               name("ns1.example-dns.net."), name("a.iana-servers.net.")};
  EXPECT_EQ(resolver_->operatorsOf(hosts),
            (std::vector<std::string>{"example-dns.net.", "iana-servers.net."}));
  EXPECT_TRUE(resolver_->operatorsOf({}).empty());
}

TEST_F(OperatorsTest, MovedFromResolverLeavesTheTargetWorking) {
  OperatorResolver moved = std::move(*resolver_);
  EXPECT_EQ(moved.operatorOf(name("ns1.example.co.uk.")), "example.co.uk.");
  OperatorResolver assigned = std::move(moved);
  assigned = std::move(assigned);  // self-move keeps the context
  EXPECT_EQ(assigned.operatorOf(name("x.y.example.org.")), "example.org.");
}

TEST(OperatorsLoadTest, MissingListFileIsAnError) {
  auto loaded = OperatorResolver::load("/nonexistent/public_suffix_list.dat");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("/nonexistent/public_suffix_list.dat"), std::string::npos);
}

}  // namespace
}  // namespace zonewatch::probe
