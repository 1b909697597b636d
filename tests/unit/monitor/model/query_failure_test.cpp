#include "monitor/model/query_failure.h"

#include <gtest/gtest.h>

#include <string>

namespace zonewatch::model {
namespace {

TEST(QueryFailureTest, TransportMeansNoMessageCameBack) {
  for (auto f : {QueryFailure::kTimeout, QueryFailure::kNetwork, QueryFailure::kUnresolved,
                 QueryFailure::kCancelled, QueryFailure::kNotAsked, QueryFailure::kNotSent,
                 QueryFailure::kUnanswered}) {
    EXPECT_TRUE(QueryError{f}.isTransport()) << QueryError{f}.text();
  }
  for (auto f : {QueryFailure::kMalformed, QueryFailure::kRefused, QueryFailure::kServfail,
                 QueryFailure::kNxdomain, QueryFailure::kLame, QueryFailure::kRcode}) {
    EXPECT_FALSE((QueryError{f, 4}).isTransport()) << QueryError{f, 4}.text();
  }
}

TEST(QueryFailureTest, TextsAreStableAndReadBack) {
  EXPECT_EQ(QueryError{QueryFailure::kNotSent}.text(), "not sent");
  EXPECT_EQ(QueryError{QueryFailure::kServfail}.text(), "servfail");
  EXPECT_EQ((QueryError{QueryFailure::kRcode, 4}).text(), "NOTIMP");
  EXPECT_EQ((QueryError{QueryFailure::kRcode, 3841}).text(), "RCODE3841");
  for (uint8_t i = 0; i <= static_cast<uint8_t>(QueryFailure::kRcode); ++i) {
    const QueryError e{
        static_cast<QueryFailure>(i),
        static_cast<uint16_t>(static_cast<QueryFailure>(i) == QueryFailure::kRcode ? 1 : 0)};
    auto back = QueryError::parse(e.text());
    ASSERT_TRUE(back.has_value()) << e.text();
    EXPECT_EQ(*back, e) << e.text();
  }
  EXPECT_FALSE(QueryError::parse("Timeout").has_value());
  EXPECT_FALSE(QueryError::parse("").has_value());
  EXPECT_TRUE(failedWith(QueryError{QueryFailure::kLame}, QueryFailure::kLame));
  EXPECT_FALSE(failedWith(std::nullopt, QueryFailure::kLame));
  EXPECT_FALSE(failedWith(QueryError{QueryFailure::kTimeout}, QueryFailure::kLame));
}

TEST(QueryFailureTest, FailedQueriesReadBackWithOrWithoutAHost) {
  const FailedQuery apex{dns::RRType::DNSKEY, "", QueryError{QueryFailure::kServfail}};
  const FailedQuery host{dns::RRType::A, "ns1.example.", QueryError{QueryFailure::kNotSent}};
  EXPECT_EQ(apex.text(), "DNSKEY servfail");
  EXPECT_EQ(host.text(), "A ns1.example. not sent");
  EXPECT_EQ(FailedQuery::parse(apex.text()), apex);
  EXPECT_EQ(FailedQuery::parse(host.text()), host);
  EXPECT_EQ(FailedQuery::parse("SOA not asked")->why.failure, QueryFailure::kNotAsked);
  EXPECT_FALSE(FailedQuery::parse("DNSKEY").has_value());
  EXPECT_FALSE(FailedQuery::parse("DNSKEY ns1. sad").has_value());
  EXPECT_FALSE(FailedQuery::parse(" servfail").has_value());
  EXPECT_FALSE(FailedQuery::parse("NOTATYPE servfail").has_value());
  EXPECT_EQ(FailedQuery::parse("TYPE65280 timeout")->type, static_cast<dns::RRType>(65280));
}

}  // namespace
}  // namespace zonewatch::model
