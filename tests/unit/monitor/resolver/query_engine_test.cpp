// The codec side of the engine: the query it puts on the wire and the checks an answer must pass
// before it is one.
#include "monitor/resolver/query_engine.h"

#include <gtest/gtest.h>

#include <chrono>

namespace zonewatch::resolver {
namespace {

using namespace std::chrono_literals;

Query makeQuery(const char* qname, dns::RRType type) {
  Query query;
  query.server = *ServerAddress::parse("192.0.2.53");
  query.name = *dns::Name::parse(qname);
  query.type = type;
  return query;
}

// An answer message for query as our codec would parse it.
dns::Message answerTo(const Query& query) {
  dns::Message message;
  message.header.qr = true;
  message.header.aa = true;
  message.questions.push_back(dns::Question{query.name, query.type, dns::kClassIN});
  return message;
}

TEST(QueryEngineCodecTest, EncodedQueryAsksTheQuestionWithEdnsAndDo) {
  Query query = makeQuery("Example.LAB.", dns::RRType::DNSKEY);
  auto parsed = dns::parseMessage(encodeQuery(query, 1400));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_FALSE(parsed->header.qr);
  EXPECT_FALSE(parsed->header.rd);
  ASSERT_EQ(parsed->questions.size(), 1U);
  EXPECT_EQ(parsed->questions[0].name, query.name);
  EXPECT_EQ(parsed->questions[0].type, dns::RRType::DNSKEY);
  ASSERT_TRUE(parsed->edns.has_value());
  EXPECT_TRUE(parsed->edns->dnssecOk);
  EXPECT_EQ(parsed->edns->udpSize, 1400);
}

TEST(QueryEngineCodecTest, EncodedQueryAsksForTheNameInTheCaseGiven) {
  Query query = makeQuery("example.lab.", dns::RRType::A);
  const dns::Name sent = *dns::Name::parse("ExAmple.lAb.");
  auto parsed = dns::parseMessage(encodeQuery(query, 1232, sent));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->questions.size(), 1U);
  EXPECT_EQ(parsed->questions[0].name.wire(), sent.wire());
}

TEST(QueryEngineCodecTest, MatchingAnswerPassesCaseInsensitively) {
  Query query = makeQuery("example.lab.", dns::RRType::NS);
  dns::Message message = answerTo(query);
  message.questions[0].name = *dns::Name::parse("EXAMPLE.lab.");  // RFC 4343
  EXPECT_TRUE(checkAnswersQuestion(query, message).ok());
}

TEST(QueryEngineCodecTest, MismatchedQuestionIsMalformed) {
  Query query = makeQuery("example.lab.", dns::RRType::NS);

  dns::Message otherName = answerTo(query);
  otherName.questions[0].name = *dns::Name::parse("evil.lab.");
  dns::Message otherType = answerTo(query);
  otherType.questions[0].type = dns::RRType::A;
  dns::Message otherClass = answerTo(query);
  otherClass.questions[0].qclass = 3;  // CH
  dns::Message noQuestion = answerTo(query);
  noQuestion.questions.clear();
  dns::Message twoQuestions = answerTo(query);
  twoQuestions.questions.push_back(twoQuestions.questions[0]);
  dns::Message notAnAnswer = answerTo(query);
  notAnAnswer.header.qr = false;
  dns::Message otherOpcode = answerTo(query);
  otherOpcode.header.opcode = 4;  // NOTIFY

  for (const auto* message : {&otherName, &otherType, &otherClass, &noQuestion, &twoQuestions,
                              &notAnAnswer, &otherOpcode}) {
    auto status = checkAnswersQuestion(query, *message);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, QueryErrc::kMalformed);
    EXPECT_FALSE(status.error().message.empty());
  }
}

TEST(QueryEngineCodecTest, LetterCaseComesFromTheBitsAndTouchesLettersOnly) {
  const dns::Name name = *dns::Name::parse("ns-1.Example.lab.");
  EXPECT_EQ(withLetterCase(name, 0).toString(), "ns-1.example.lab.");
  EXPECT_EQ(withLetterCase(name, ~uint64_t{0}).toString(), "NS-1.EXAMPLE.LAB.");
  // Bit i for the i-th letter: n s e x a m p l e l a b.
  EXPECT_EQ(withLetterCase(name, 0b101).toString(), "Ns-1.Example.lab.");
  EXPECT_EQ(withLetterCase(name, 0b101), name);  // the same name (RFC 4343)
  EXPECT_TRUE(withLetterCase(dns::Name(), ~uint64_t{0}).isRoot());
}

TEST(QueryEngineCodecTest, OnlyAnExactEchoOfTheSentCaseEchoesIt) {
  Query query = makeQuery("example.lab.", dns::RRType::NS);
  const dns::Name sent = *dns::Name::parse("eXaMple.lab.");
  dns::Message message = answerTo(query);
  message.questions[0].name = sent;
  auto wire = dns::encodeMessage(message);
  // One answer as servers write it, compressed against the question (offset 12): eXaMple.lab. NS
  // ns1.eXaMple.lab.
  wire[7] = 1;  // ANCOUNT
  const std::vector<uint8_t> answer = {0xC0, 12, 0, 2, 0,   1,   0,   0,    1,
                                       44,   0,  6, 3, 'n', 's', '1', 0xC0, 12};
  wire.insert(wire.end(), answer.begin(), answer.end());
  ASSERT_TRUE(restoreEchoedCase(sent, query.name, wire));
  // Restored in place: the question and every name compressed against it read as asked.
  auto parsed = dns::parseMessage(wire);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->questions[0].name.wire(), query.name.wire());
  ASSERT_EQ(parsed->answer.size(), 1U);
  EXPECT_EQ(parsed->answer[0].owner.wire(), query.name.wire());
  EXPECT_EQ(std::get<dns::rdata::NS>(parsed->answer[0].data).host.wire(),
            dns::Name::parse("ns1.example.lab.")->wire());
  EXPECT_TRUE(checkAnswersQuestion(query, *parsed).ok());

  // An echo in another case (a server that folds case, or a forger who did not know it) is not
  // one, and the octets stay as received.
  message.questions[0].name = *dns::Name::parse("example.lab.");
  auto folded = dns::encodeMessage(message);
  const auto received = folded;
  EXPECT_FALSE(restoreEchoedCase(sent, query.name, folded));
  EXPECT_EQ(folded, received);
  // Nor is a message too short to hold the question.
  std::vector<uint8_t> header(12, 0);
  EXPECT_FALSE(restoreEchoedCase(sent, query.name, header));
}

TEST(QueryEngineCodecTest, InterpretAnswerFillsEveryField) {
  Query query = makeQuery("example.lab.", dns::RRType::SOA);
  dns::Message message = answerTo(query);
  message.header.ad = true;
  message.header.rcode = 3;
  auto wire = dns::encodeMessage(message);
  auto result = interpretAnswer(query, wire, Transport::kTcp, 1500us);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->rcode, 3);
  EXPECT_TRUE(result->aa);
  EXPECT_TRUE(result->ad);
  EXPECT_FALSE(result->tc);
  EXPECT_EQ(result->wire, wire);
  EXPECT_EQ(result->server, query.server);
  EXPECT_EQ(result->transport, Transport::kTcp);
  EXPECT_EQ(result->rtt, 1500us);
}

TEST(QueryEngineCodecTest, InterpretAnswerReportsParseErrors) {
  Query query = makeQuery("example.lab.", dns::RRType::SOA);
  auto wire = dns::encodeMessage(answerTo(query));
  ASSERT_GT(wire.size(), 2U);
  wire.erase(wire.end() - 2, wire.end());  // cut inside QTYPE/QCLASS
  auto result = interpretAnswer(query, wire, Transport::kUdp, 0us);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, QueryErrc::kMalformed);
  ASSERT_TRUE(result.error().parseError.has_value());
  EXPECT_EQ(result.error().parseError->code, dns::ParseErrc::kTruncated);
  EXPECT_EQ(result.error().transport, Transport::kUdp);
}

TEST(QueryEngineCodecTest, ErrorCodesHaveNames) {
  EXPECT_EQ(toString(QueryErrc::kTimeout), "timeout");
  EXPECT_EQ(toString(QueryErrc::kMalformed), "malformed answer");
  EXPECT_EQ(toString(Transport::kTcp), "tcp");
  EXPECT_EQ(toString(Transport::kUdp), "udp");
}

}  // namespace
}  // namespace zonewatch::resolver
