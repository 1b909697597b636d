#include "monitor/probe/prober.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <set>

#include "monitor/crypto/crypto.h"
#include "monitor/dns/canonical.h"
#include "monitor/dns/presentation.h"
#include "monitor/dnssec/chain.h"
#include "monitor/dnssec/validator.h"
#include "monitor/probe/replay_digest.h"
#include "monitor/util/join.h"

namespace zonewatch::probe {

// The observation's records (monitor/model/observation.h).
using model::CdsCheck;
using model::ChainStep;
using model::DsInfo;
using model::FailedQuery;
using model::failedWith;
using model::KeyInfo;
using model::Observation;
using model::ParentServer;
using model::QueryError;
using model::QueryFailure;
using model::ServerView;

namespace {

using resolver::QueryResult;
using resolver::ServerAddress;

// The engine's per-flow queue cap must hold every query one observation may send, or an
// observation could be refused by its own queue (issue 11).
static_assert(static_cast<size_t>(WorkLimits{}.maxQueries) <=
              resolver::EngineOptions::kDefaultMaxQueuedPerFlow);

// One engine flow per observation (resolver::Query::flow), never 0 (the untagged flow), unique
// across the probers of a process.
uint64_t nextObservationFlow() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The RRsets a server is asked for, in the order they are reported.
constexpr dns::RRType kServerTypes[] = {dns::RRType::SOA, dns::RRType::NS, dns::RRType::DNSKEY,
                                        dns::RRType::CDS, dns::RRType::CDNSKEY};
// The daemon's sizing counts these questions per address (prober.h): a type added or dropped here
// must change that count too.
static_assert(std::size(kServerTypes) == kQueriesPerServerAddress);

std::string addressText(const ServerAddress& a) {
  return a.port == resolver::kDnsPort ? a.ip : a.toString();
}

std::string lower(const dns::Name& n) {
  return n.lowercased().toString();
}

std::optional<dns::RRset> findSet(const std::vector<dns::ResourceRecord>& section,
                                  const dns::Name& owner, dns::RRType type) {
  for (auto& set : dns::groupRRsets(section)) {
    if (set.type == type && set.owner == owner && !set.records.empty()) return set;
  }
  return std::nullopt;
}

std::string evidenceText(const dns::RRset& set) {
  std::string text;
  for (const auto& rr : set.records) text += rr.toString() + "\n";
  for (const auto& rr : set.signatures) text += rr.toString() + "\n";
  return text;
}

// The RRsets behind Observation::renderEvidence, one part per server that showed any.
struct DeferredEvidence {
  struct Part {
    bool server = false;  // false: a parent server
    std::string name;
    std::string address;
    std::vector<dns::RRset> sets;
  };
  std::vector<Part> parts;

  std::string render() const {
    // The order of the observation's sorted parent.servers, then servers.
    std::vector<const Part*> order;
    for (const auto& p : parts) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(), [](const Part* a, const Part* b) {
      return std::tie(a->server, a->name, a->address) < std::tie(b->server, b->name, b->address);
    });
    std::string text;
    for (const Part* p : order) {
      text +=
          std::string(p->server ? "; server " : "; parent ") + p->name + " " + p->address + "\n";
      for (const auto& set : p->sets) text += evidenceText(set);
    }
    return text;
  }
};

// What the parent said about `zone`'s DS: the RRset, or the NSEC/NSEC3 RRsets of its NODATA answer.
// Also reads a referral, which carries the same RRsets in its authority section.
dnssec::DelegationEvidence evidenceFrom(const dns::Message& m, const dns::Name& zone) {
  dnssec::DelegationEvidence ev;
  ev.ds = findSet(m.answer, zone, dns::RRType::DS);
  if (!ev.ds) ev.ds = findSet(m.authority, zone, dns::RRType::DS);
  if (!ev.ds) {
    for (auto& set : dns::groupRRsets(m.authority)) {
      if (set.type == dns::RRType::NSEC || set.type == dns::RRType::NSEC3) ev.denial.push_back(set);
    }
  }
  return ev;
}

// RFC 4035 §3.1.4: a signed parent's referral, asked with DO, carries the DS RRset and its RRSIGs,
// or the NSEC/NSEC3 RRs proving there is none (RFC 5155 §7.2.7). Such a referral answers the DS
// question as well; anything else (an unsigned parent, a server that also serves the child and
// answers authoritatively) leaves the DS to be asked on its own.
bool referralCarriesDs(const QueryResult& r, const dns::Name& zone, const dns::Name& domain) {
  if (!r || r->rcode != 0 || r->aa) return false;
  auto ref = findReferral(r->message, zone, domain);
  if (!ref || !(ref->zone == domain)) return false;
  for (const auto& rr : r->message.authority) {
    if ((rr.type == dns::RRType::DS && rr.owner == domain) || rr.type == dns::RRType::NSEC ||
        rr.type == dns::RRType::NSEC3) {
      return true;
    }
  }
  return false;
}

std::vector<DsInfo> dsInfos(const dns::RRset& set) {
  std::vector<DsInfo> out;
  for (const auto& rr : set.records) {
    if (const auto* ds = std::get_if<dns::rdata::DS>(&rr.data)) {
      out.push_back({ds->keyTag, ds->algorithm, ds->digestType, dns::toHex(ds->digest)});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<KeyInfo> keyInfos(const dns::RRset& set) {
  std::vector<KeyInfo> out;
  for (const auto& rr : set.records) {
    if (const auto* k = std::get_if<dns::rdata::DNSKEY>(&rr.data)) {
      out.push_back({dns::keyTag(rr.rdata), k->flags, k->algorithm});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> nsNames(const dns::RRset& set) {
  std::vector<std::string> out;
  for (const auto& rr : set.records) {
    if (const auto* ns = std::get_if<dns::rdata::NS>(&rr.data)) out.push_back(lower(ns->host));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string denialKind(const dnssec::DelegationEvidence& ev) {
  if (ev.ds) return "";
  bool nsec3 = false, optOut = false, nsec = false;
  for (const auto& set : ev.denial) {
    for (const auto& rr : set.records) {
      if (const auto* n = std::get_if<dns::rdata::NSEC3>(&rr.data)) {
        nsec3 = true;
        optOut = optOut || n->optOut();
      } else if (rr.type == dns::RRType::NSEC) {
        nsec = true;
      }
    }
  }
  if (nsec3) return optOut ? "nsec3-opt-out" : "nsec3";
  return nsec ? "nsec" : "none";
}

// Every UDP try of a question went unanswered, at a server that has answered another question of
// this observation: the server is up and the path loses datagrams (congestion, a rate limit).
// One more try over TCP, whose retransmissions repair such loss, keeps one unlucky question from
// making the server's view incomplete; with every server's view incomplete, that would read as
// all_servers_unreachable (issue 11: 30% loss did so on one run in three). A server that answered
// nothing is not retried: a server that is down costs no more time than before.
bool shouldRetryOverTcp(const std::map<dns::RRType, QueryResult>& answered, const QueryResult& r) {
  if (r || r.error().code != resolver::QueryErrc::kTimeout ||
      r.error().transport != resolver::Transport::kUdp) {
    return false;
  }
  return std::any_of(answered.begin(), answered.end(),
                     [](const auto& entry) { return static_cast<bool>(entry.second); });
}

// Why an answer cannot be used as authoritative data, or nullopt.
std::optional<QueryError> answerError(const QueryResult& r) {
  if (!r) {
    switch (r.error().code) {
      case resolver::QueryErrc::kTimeout:
        return QueryError{QueryFailure::kTimeout};
      case resolver::QueryErrc::kMalformed:
        return QueryError{QueryFailure::kMalformed};
      case resolver::QueryErrc::kCancelled:
        return QueryError{QueryFailure::kCancelled};
      case resolver::QueryErrc::kRejected:
        return QueryError{QueryFailure::kNotSent};
      default:
        return QueryError{QueryFailure::kNetwork};
    }
  }
  if (r->rcode == static_cast<uint16_t>(dns::Rcode::Refused)) {
    return QueryError{QueryFailure::kRefused};
  }
  if (r->rcode == static_cast<uint16_t>(dns::Rcode::ServFail)) {
    return QueryError{QueryFailure::kServfail};
  }
  if (r->rcode != static_cast<uint16_t>(dns::Rcode::NoError) &&
      r->rcode != static_cast<uint16_t>(dns::Rcode::NXDomain)) {
    return QueryError{QueryFailure::kRcode, r->rcode};
  }
  return std::nullopt;
}

// Why an answer to one of the apex questions (kServerTypes) is no usable answer, or nullopt. The
// zone's own servers answer for its apex as its authority, AA set (RFC 1035 §4.1.1); NODATA
// (NOERROR, no records: a zone without CDS, RFC 7344 §4) is an answer, NXDOMAIN for the apex is
// not.
std::optional<QueryError> apexQueryError(const QueryResult& r) {
  if (auto err = answerError(r)) return err;
  if (r->rcode == static_cast<uint16_t>(dns::Rcode::NXDomain)) {
    return QueryError{QueryFailure::kNxdomain};
  }
  if (!r->aa) return QueryError{QueryFailure::kLame};
  return std::nullopt;
}

// "DNSKEY servfail, A ns1.example. timeout".
std::string failedText(const std::vector<FailedQuery>& failed) {
  std::vector<std::string> texts;
  texts.reserve(failed.size());
  for (const FailedQuery& f : failed) texts.push_back(f.text());
  return join(texts);
}

// How the answer to an A or AAAA question for an NS host inside the domain reads.
struct HostAnswer {
  enum class Kind : uint8_t { kAnswered, kNotOurs, kFailed } kind = Kind::kAnswered;
  QueryError why;  // kFailed: why, for ServerView::failedQueries
};

HostAnswer readHostAnswer(const QueryResult& r, const dns::Name& domain) {
  if (auto err = answerError(r)) return {HostAnswer::Kind::kFailed, *err};
  if (r->aa) return {};  // the records, or NXDOMAIN/NODATA: the zone says the host has none
  // A referral to a zone cut below the domain: that zone, not this one, owns the host's records.
  const bool referral =
      r->rcode == 0 &&
      std::any_of(r->message.authority.begin(), r->message.authority.end(), [&](const auto& rr) {
        return rr.type == dns::RRType::NS && rr.owner.isSubdomainOf(domain) &&
               !(rr.owner == domain);
      });
  if (referral) return {HostAnswer::Kind::kNotOurs, {}};
  return {HostAnswer::Kind::kFailed, QueryError{QueryFailure::kLame}};
}

// A server memo's conditions on a SOA answer (server_memo.h): an authoritative answer whose SOA
// RRset at the domain is signed, and its digest (replay_digest.h: without ID and question).
bool signedSoa(const QueryResult& r, const dns::Name& domain) {
  if (!r || r->rcode != 0 || !r->aa) return false;
  return std::any_of(r->message.answer.begin(), r->message.answer.end(), [&](const auto& rr) {
    const auto* sig = std::get_if<dns::rdata::RRSIG>(&rr.data);
    return sig != nullptr && sig->typeCovered == dns::RRType::SOA && rr.owner == domain;
  });
}

SoaKey soaKey(const QueryResult& r) {
  ReplayDigest d(0);
  d.answer(r);
  const auto digest = d.finish().digest;
  SoaKey key{};
  std::copy_n(digest.begin(), key.size(), key.begin());
  return key;
}

// RFC 8078 §4: the delete records, written CDS 0 0 0 00 and CDNSKEY 0 3 0 AA== (one zero octet);
// an empty digest or key, which has no presentation form, is taken as the same.
bool isDeleteCds(const dns::rdata::DS& ds) {
  return ds.keyTag == 0 && ds.algorithm == 0 && ds.digestType == 0 &&
         (ds.digest.empty() || ds.digest == std::vector<uint8_t>{0});
}
bool isDeleteCdnskey(const dns::rdata::DNSKEY& key) {
  return key.flags == 0 && key.protocol == 3 && key.algorithm == 0 &&
         (key.publicKey.empty() || key.publicKey == std::vector<uint8_t>{0});
}

DsInfo dsInfo(const dns::rdata::DS& ds) {
  return {ds.keyTag, ds.algorithm, ds.digestType, dns::toHex(ds.digest)};
}

// See CdsCheck. Digests are computed only for keys whose tag and algorithm agree with the CDS, and
// at most kMaxCdsDigests per server: a zone publishing hundreds of colliding keys gets a partial
// check (the rest reads as unchecked), never unbounded work (the KeyTrap lesson, CVE-2023-50387).
constexpr size_t kMaxCdsDigests = 64;

class CdsChecker {
 public:
  explicit CdsChecker(const dns::Name& zone) : zone_(zone) {}

  // Whether one of `keys` (DNSKEY or CDNSKEY records) is the key `ds` (a CDS) describes (RFC 4034
  // §5.1.4); nullopt when that cannot be told (digest type not computed here, budget spent).
  std::optional<bool> describesOneOf(const dns::rdata::DS& ds,
                                     const std::vector<const dns::ResourceRecord*>& keys) {
    bool unknown = false;
    for (const auto* rr : keys) {
      if (auto same = describes(ds, *rr)) {
        if (*same) return true;
      } else {
        unknown = true;
      }
    }
    return unknown ? std::nullopt : std::optional<bool>(false);
  }

  std::optional<bool> describes(const dns::rdata::DS& ds, const dns::ResourceRecord& key) {
    const auto* k = std::get_if<dns::rdata::DNSKEY>(&key.data);
    if (k == nullptr || k->algorithm != ds.algorithm || dns::keyTag(key.rdata) != ds.keyTag) {
      return false;
    }
    if (digests_ == kMaxCdsDigests) return std::nullopt;
    ++digests_;
    auto digest = crypto::dsDigest(ds.digestType, dns::dsDigestInput(zone_, key.rdata));
    if (!digest) return std::nullopt;
    return *digest == ds.digest;
  }

 private:
  const dns::Name& zone_;
  size_t digests_ = 0;
};

std::vector<const dns::ResourceRecord*> recordsOf(const std::optional<dns::RRset>& set) {
  std::vector<const dns::ResourceRecord*> out;
  if (set) {
    for (const auto& rr : set->records) out.push_back(&rr);
  }
  return out;
}

CdsCheck checkCdsRRsets(const dns::Name& zone, const std::optional<dns::RRset>& dnskeySet,
                        const std::optional<dns::RRset>& cdsSet,
                        const std::optional<dns::RRset>& cdnskeySet) {
  CdsCheck out;
  CdsChecker checker(zone);
  const auto dnskeys = recordsOf(dnskeySet);
  std::vector<const dns::ResourceRecord*> cds, cdnskey;  // without the delete records
  std::optional<KeyInfo> cdnskeyDelete;
  for (const auto* rr : recordsOf(cdsSet)) {
    const auto* ds = std::get_if<dns::rdata::DS>(&rr->data);
    if (ds == nullptr) continue;
    if (isDeleteCds(*ds)) {
      out.cdsDelete = true;
    } else {
      cds.push_back(rr);
    }
  }
  for (const auto* rr : recordsOf(cdnskeySet)) {
    const auto* key = std::get_if<dns::rdata::DNSKEY>(&rr->data);
    if (key == nullptr) continue;
    if (isDeleteCdnskey(*key)) {
      out.cdnskeyDelete = true;
      cdnskeyDelete = KeyInfo{dns::keyTag(rr->rdata), key->flags, key->algorithm};
    } else {
      cdnskey.push_back(rr);
    }
  }
  const bool both = (!cds.empty() || out.cdsDelete) && (!cdnskey.empty() || out.cdnskeyDelete);

  for (const auto* rr : cds) {
    const auto& ds = std::get<dns::rdata::DS>(rr->data);
    auto published = checker.describesOneOf(ds, dnskeys);
    if (!published) {
      out.cdsUnchecked.push_back(dsInfo(ds));
      continue;
    }
    if (!*published) out.cdsWithoutKey.push_back(dsInfo(ds));
    if (both && checker.describesOneOf(ds, cdnskey) == false) {
      out.cdsWithoutCdnskey.push_back(dsInfo(ds));
    }
  }
  for (const auto* rr : cdnskey) {
    const auto& key = std::get<dns::rdata::DNSKEY>(rr->data);
    const KeyInfo info{dns::keyTag(rr->rdata), key.flags, key.algorithm};
    const bool published = std::any_of(dnskeys.begin(), dnskeys.end(), [&](const auto* k) {
      return k->type == dns::RRType::DNSKEY && k->rdata == rr->rdata;
    });
    if (!published) out.cdnskeyWithoutKey.push_back(info);
    if (!both) continue;
    bool described = false, unknown = false;
    for (const auto* c : cds) {
      auto same = checker.describes(std::get<dns::rdata::DS>(c->data), *rr);
      if (!same) unknown = true;
      if (same && *same) described = true;
    }
    if (!described && !unknown) out.cdnskeyWithoutCds.push_back(info);
  }
  if (both && out.cdsDelete != out.cdnskeyDelete) {
    // One RRset asks for the DS to go, the other names keys: no parent can act on both.
    if (out.cdsDelete) out.cdsWithoutCdnskey.push_back({0, 0, 0, "00"});
    if (cdnskeyDelete) out.cdnskeyWithoutCds.push_back(*cdnskeyDelete);
  }
  for (auto* list : {&out.cdsWithoutKey, &out.cdsUnchecked, &out.cdsWithoutCdnskey}) {
    std::sort(list->begin(), list->end());
  }
  for (auto* list : {&out.cdnskeyWithoutKey, &out.cdnskeyWithoutCds}) {
    std::sort(list->begin(), list->end());
  }
  return out;
}

// The key tags of the configured trust anchors (DS form, and DNSKEY form by RFC 4034 Appendix B).
std::vector<uint16_t> anchorTags(const dnssec::TrustAnchors& anchors) {
  std::vector<uint16_t> tags;
  for (const auto& ds : anchors.ds) tags.push_back(ds.keyTag);
  for (const auto& rr : anchors.dnskeys) tags.push_back(dns::keyTag(rr.rdata));
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

// `ds` as DsInfo, sorted.
std::vector<DsInfo> dsOf(const std::vector<dns::rdata::DS>& ds) {
  std::vector<DsInfo> out;
  for (const auto& d : ds) out.push_back(dsInfo(d));
  std::sort(out.begin(), out.end());
  return out;
}

// The DS records of a DS RRset (none for null).
std::vector<dns::rdata::DS> dsRecords(const dns::RRset* set) {
  std::vector<dns::rdata::DS> out;
  if (set == nullptr) return out;
  for (const auto& rr : set->records) {
    if (const auto* ds = std::get_if<dns::rdata::DS>(&rr.data)) out.push_back(*ds);
  }
  return out;
}

// Those of `ds` that are the digest of a key of `dnskeys` (RFC 4034 §5.1.4): which DS points at
// which key, for ChainStep::dsMatched. Display only (the validator judged the chain already), with
// CdsChecker's bound on the digests computed: one it cannot tell reads as not matched.
std::vector<DsInfo> dsMatching(const dns::Name& zone, const std::vector<dns::rdata::DS>& ds,
                               const dns::RRset* dnskeys) {
  CdsChecker checker(zone);
  std::vector<const dns::ResourceRecord*> keys;
  if (dnskeys != nullptr) {
    for (const auto& rr : dnskeys->records) keys.push_back(&rr);
  }
  std::vector<DsInfo> out;
  for (const auto& d : ds) {
    if (checker.describesOneOf(d, keys) == true) out.push_back(dsInfo(d));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The parent server view (index into `views`, with its DS evidence) whose delegation (NS, glue, DS,
// denial) the most servers share, ties going to the smallest; null when none had one.
const std::pair<size_t, dnssec::DelegationEvidence>* delegationOfMost(
    const std::vector<ParentServer>& views,
    const std::vector<std::pair<size_t, dnssec::DelegationEvidence>>& candidates) {
  auto key = [&](size_t i) {
    const ParentServer& v = views[i];
    return std::tie(v.ns, v.ds, v.denial);
  };
  auto same = [&](size_t a, size_t b) {
    return key(a) == key(b) && views[a].glue == views[b].glue;
  };
  const std::pair<size_t, dnssec::DelegationEvidence>* best = nullptr;
  size_t bestCount = 0;
  for (const auto& c : candidates) {
    const auto count =
        static_cast<size_t>(std::count_if(candidates.begin(), candidates.end(),
                                          [&](const auto& o) { return same(c.first, o.first); }));
    if (best == nullptr || count > bestCount ||
        (count == bestCount && key(c.first) < key(best->first))) {
      best = &c;
      bestCount = count;
    }
  }
  return best;
}

}  // namespace

struct Prober::Run {
  dns::Name domain;
  Callback done;
  Observation obs;
  int64_t now = 0;
  DelegationPath delegation;
  size_t pending = 0;
  bool finished = false;

  struct ParentAnswer {
    dns::Name host;
    ServerAddress address;
    std::optional<QueryResult> ns;
    std::optional<QueryResult> ds;
    bool dsInReferral = false;  // `ns` answers the DS question too; `ds` stays empty
  };
  std::vector<ParentAnswer> parent;

  struct ServerAnswers {
    dns::Name host;
    ServerAddress address;
    std::map<dns::RRType, QueryResult> answers;
    // The addresses this server serves for NS hosts inside the domain, by lowercase host name.
    std::map<std::string, std::vector<std::string>> hostAddresses;
    std::vector<FailedQuery> hostFailures;  // "A HOST why"
    // Another NS host name at an address already asked: that server's answers are this one's.
    std::optional<size_t> sameAs;
    // Server memos (server_memo.h): the memo (in Run::memos) its SOA answer is held against, and
    // whether that memo stands for its other answers, which were then not asked.
    std::optional<size_t> memo;
    bool fromMemo = false;
    // Its answers but the SOA's, digested (settleRests), or the memo's digest of them.
    std::optional<model::ReplayInputs> rest;
  };
  std::vector<ServerAnswers> servers;
  std::vector<std::pair<dns::Name, std::string>> unresolvedHosts;  // host, why
  std::set<dns::Name> hostsSeen;
  std::optional<WalkError::Kind> walkFailure;
  BudgetPtr budget;
  std::optional<resolver::EpollLoop::TimerId> deadline;
  bool timedOut = false;
  // The chain data of each zone of delegation.path, as established by fetchChain.
  std::vector<ZoneKeysData> chainKeys;
  // The memos of an earlier observation (server_memo.h), with a replay check only.
  std::vector<ServerMemo> memos;
};

// One observation's walk down the chain of trust above its domain: the zone of
// run->delegation.path at `index`, below the one whose trust is `above`.
struct Prober::ChainFetch {
  std::shared_ptr<Run> run;
  size_t index = 0;
  std::optional<dnssec::ZoneTrust> above;
  std::function<void()> done;
};

namespace {
// A zone's chain data that did not validate at any server, or could not be fetched, is kept only
// this long, so a server that gave bogus keys cannot make the domains below look bogus for a
// whole key TTL (Unbound keeps bogus data for val-bogus-ttl, 60 s by default). The delegation
// cache's minimum entry lifetime applies.
constexpr uint32_t kUnvalidatedKeysTtl = 60;
}  // namespace

Prober::Prober(resolver::QueryEngine& engine, DelegationCache& cache, const Clock& clock,
               dnssec::TrustAnchors anchors, const OperatorResolver& operators,
               ProbeOptions options)
    : engine_(engine),
      cache_(cache),
      clock_(clock),
      anchors_(std::move(anchors)),
      operators_(operators),
      options_(options),
      iterator_(engine, cache, options.iterator),
      verifications_(options.verifications != nullptr ? options.verifications
                                                      : &ownVerifications_) {
  for (const auto& ds : anchors_.ds) {
    const auto rdata = dns::encodeRdata(dns::Rdata{ds});
    anchorsKey_.append("DS ").append(rdata.begin(), rdata.end());
  }
  for (const auto& key : anchors_.dnskeys) {
    const auto rdata = key.wireRdata();
    anchorsKey_.append("DNSKEY ").append(rdata.begin(), rdata.end());
  }
}

Prober::~Prober() = default;

void Prober::observe(const dns::Name& domain, Callback done, std::span<const uint8_t> memo) {
  auto run = std::make_shared<Run>();
  if (options_.replayCheck) run->memos = decodeServerMemos(memo);
  run->domain = domain;
  run->done = std::move(done);
  run->now = clock_.nowUnix();
  run->obs.domain = lower(domain);
  run->obs.domainUnicode = domain.lowercased().toUnicode();
  run->obs.observedAt = run->now;
  run->budget = std::make_shared<WorkBudget>(options_.work);
  run->budget->setFlow(nextObservationFlow());
  armDeadline(run);

  iterator_.findDelegation(
      domain,
      [this, run](Result<DelegationPath, WalkError> found) {
        if (run->finished) return;
        if (!found) {
          run->obs.error = found.error().message;
          run->obs.errorCode = std::string(toCode(found.error().kind));
          run->walkFailure = found.error().kind;
          finish(run);
          return;
        }
        run->delegation = std::move(found).value();
        ++run->pending;  // held until every piece below has been started

        // The chain of trust above the domain: each zone's DNSKEY and the DS evidence for it
        // (cached).
        ++run->pending;
        auto chain = std::make_shared<ChainFetch>();
        chain->run = run;
        chain->done = [this, run] {
          if (--run->pending == 0) finish(run);
        };
        fetchChain(std::move(chain));

        // Every address of every parent server: the referral and the DS (or its denial). The walk's
        // own last answer is one server's referral already.
        const ZoneCut& parentCut = run->delegation.path.back();
        std::optional<resolver::Answer> walked = std::move(run->delegation.answer);
        run->delegation.answer.reset();
        for (const auto& [host, address] : parentCut.addresses()) {
          if (!iterator_.usable(address)) continue;
          run->parent.push_back({host, address, std::nullopt, std::nullopt, false});
          const size_t index = run->parent.size() - 1;
          ++run->pending;
          if (walked && walked->server == address) {
            parentNsAnswered(run, index, QueryResult(std::move(*walked)));
            walked.reset();
            continue;
          }
          ask(run, address, dns::RRType::NS,
              [this, run, index](QueryResult r) { parentNsAnswered(run, index, std::move(r)); });
        }

        // Every address of every authoritative server, starting from the parent's NS set.
        for (const auto& host : run->delegation.referral.ns) askHost(run, host);

        if (--run->pending == 0) finish(run);
      },
      run->budget);
}

void Prober::armDeadline(const std::shared_ptr<Run>& run) {
  if (options_.observationTimeout.count() <= 0) return;
  std::weak_ptr<bool> alive = alive_;
  std::weak_ptr<Run> weak = run;
  run->deadline = engine_.loop().addTimerAfter(options_.observationTimeout, [this, alive, weak] {
    auto due = weak.lock();
    if (alive.expired() || !due || due->finished) return;
    due->deadline.reset();
    due->timedOut = true;
    finish(due);
  });
}

// Every query of an observation goes through here: it spends the observation's budget, and an
// answer that arrives after the observation ended (its deadline) or after the prober is gone is
// dropped.
void Prober::submit(const std::shared_ptr<Run>& run, resolver::Query query,
                    std::function<void(QueryResult)> done) {
  if (!run->budget->spend(WorkBudget::Kind::kQueries)) {
    done(QueryResult(Unexpected{resolver::QueryError{
        resolver::QueryErrc::kRejected, "not sent: the observation's query cap was reached",
        query.server, resolver::Transport::kUdp, std::nullopt}}));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  const resolver::ServerAddress server = query.server;
  query.flow = run->budget->flow();
  auto submitted = engine_.submit(std::move(query), [alive, run, done](QueryResult r) {
    if (alive.expired() || run->finished) return;
    done(std::move(r));
  });
  if (!submitted) done(QueryResult(Unexpected{submitted.error()}));
}

void Prober::ask(const std::shared_ptr<Run>& run, const ServerAddress& address, dns::RRType type,
                 std::function<void(QueryResult)> done) {
  resolver::Query q;
  q.server = address;
  q.name = run->domain;
  q.type = type;
  submit(run, std::move(q), std::move(done));
}

// Owns one unit of run->pending, held until the parent server's DS is known too.
void Prober::parentNsAnswered(const std::shared_ptr<Run>& run, size_t index, QueryResult r) {
  auto& slot = run->parent[index];
  const ZoneCut& parentCut = run->delegation.path.back();
  if (referralCarriesDs(r, parentCut.zone, run->domain)) {
    slot.dsInReferral = true;
    slot.ns = std::move(r);
    if (--run->pending == 0) finish(run);
    return;
  }
  slot.ns = std::move(r);
  ask(run, slot.address, dns::RRType::DS, [this, run, index](QueryResult ds) {
    run->parent[index].ds = std::move(ds);
    if (--run->pending == 0) finish(run);
  });
}

void Prober::askHost(const std::shared_ptr<Run>& run, const dns::Name& host) {
  if (run->hostsSeen.count(host.lowercased())) return;
  // Past the cap the rest of a huge NS set is left out (the budget notes it), not each name.
  if (!run->budget->spend(WorkBudget::Kind::kNsNames)) return;
  run->hostsSeen.insert(host.lowercased());
  std::vector<ServerAddress> glue;
  for (const auto& [owner, address] : run->delegation.referral.glue) {
    if (owner == host && iterator_.usable(address)) glue.push_back(address);
  }
  if (!glue.empty()) {
    for (const auto& a : glue) askAddress(run, host, a);
    return;
  }
  ++run->pending;
  iterator_.resolveHost(
      host,
      [this, run, host](Result<std::vector<ServerAddress>, WalkError> addresses) {
        if (run->finished) return;
        if (!addresses || addresses->empty()) {
          std::string why = "no address";
          if (!addresses) {
            const auto& e = addresses.error();
            why = e.kind == WalkError::Kind::kUnreachable
                      ? e.message
                      : std::string(toCode(e.kind)) + ": " + e.message;
          }
          run->unresolvedHosts.emplace_back(host, std::move(why));
        } else {
          for (const auto& a : *addresses) {
            if (iterator_.usable(a)) askAddress(run, host, a);
          }
        }
        if (--run->pending == 0) finish(run);
      },
      run->budget);
}

void Prober::askAddress(const std::shared_ptr<Run>& run, const dns::Name& host,
                        const ServerAddress& address) {
  // One server answers the same whatever name points at it: a huge NS set of names at a few
  // addresses costs the queries (and the memory) of those few addresses.
  for (size_t i = 0; i < run->servers.size(); ++i) {
    if (run->servers[i].address == address && !run->servers[i].sameAs) {
      run->servers.push_back({host, address, {}, {}, {}, i, std::nullopt, false, std::nullopt});
      return;
    }
  }
  if (!run->budget->spend(WorkBudget::Kind::kAddresses)) return;
  run->servers.push_back(
      {host, address, {}, {}, {}, std::nullopt, std::nullopt, false, std::nullopt});
  const size_t index = run->servers.size() - 1;
  const std::string key = address.toString();
  for (size_t m = 0; m < run->memos.size(); ++m) {
    if (run->memos[m].address != key || !memoUsable(run->memos[m], run->now)) continue;
    // The SOA first: the rest only if it changed (memoAnswered).
    run->servers[index].memo = m;
    ++run->pending;
    askApex(run, index, dns::RRType::SOA, false);
    return;
  }
  for (auto type : kServerTypes) {
    ++run->pending;
    askApex(run, index, type, false);
  }
}

// One apex question to the server at run->servers[index]; owns one unit of run->pending.
void Prober::askApex(const std::shared_ptr<Run>& run, size_t index, dns::RRType type, bool tcp) {
  resolver::Query q;
  q.server = run->servers[index].address;
  q.name = run->domain;
  q.type = type;
  q.tcpOnly = tcp;
  submit(run, std::move(q), [this, run, index, type, tcp](QueryResult r) {
    if (!tcp && shouldRetryOverTcp(run->servers[index].answers, r)) {
      askApex(run, index, type, true);
      return;
    }
    // The domain's own NS set may name hosts the parent does not: ask them too.
    if (type == dns::RRType::NS && r && r->aa) {
      if (auto set = findSet(r->message.answer, run->domain, dns::RRType::NS)) {
        for (const auto& rr : set->records) askHost(run, std::get<dns::rdata::NS>(rr.data).host);
      }
      askHostAddresses(run, index, *r);
    }
    run->servers[index].answers.insert_or_assign(type, std::move(r));
    if (type == dns::RRType::SOA && run->servers[index].memo) memoAnswered(run, index);
    if (--run->pending == 0) finish(run);
  });
}

// The apex questions but the SOA's to the server at run->servers[index].
void Prober::askRest(const std::shared_ptr<Run>& run, size_t index) {
  for (auto type : kServerTypes) {
    if (type == dns::RRType::SOA) continue;
    ++run->pending;
    askApex(run, index, type, false);
  }
}

// The SOA answer of a server with a memo: the same signed answer as the one the memo was made
// from lets the memo stand for the server's other answers (server_memo.h); any other answer has
// them asked. The caller holds a unit of run->pending.
void Prober::memoAnswered(const std::shared_ptr<Run>& run, size_t index) {
  auto& server = run->servers[index];
  const ServerMemo& memo = run->memos[*server.memo];
  server.memo.reset();
  const QueryResult& soa = server.answers.at(dns::RRType::SOA);
  if (!signedSoa(soa, run->domain) || soaKey(soa) != memo.soa) {
    askRest(run, index);
    return;
  }
  server.fromMemo = true;
  server.rest = memo.rest;
  // The hosts its NS answer named beyond the referral, as that answer would have had them asked
  // (askHost may add servers: `server` is not used past here).
  for (const auto& text : memo.extraHosts) {
    if (auto host = dns::Name::parse(text)) askHost(run, *host);
  }
}

// The A/AAAA RRsets this server serves for the NS hosts inside the domain, to hold the parent's
// glue against. NSD, Knot and BIND put them in the additional section of an authoritative NS
// answer (RFC 1034 §4.3.2 step 6; RFC 1035 §3.3.11): taken from there, from an AA answer and for
// names under the domain only, they cost no query. Only hosts the section leaves out are asked,
// A and AAAA. A host with some address in the section counts as covered: a server that drops
// part of the section to fit (RFC 2181 §9) may hide the other family's records, which is then not
// compared.
void Prober::askHostAddresses(const std::shared_ptr<Run>& run, size_t index,
                              const resolver::Answer& ns) {
  if (ns.rcode != 0 || !ns.aa) return;
  auto& server = run->servers[index];
  for (const auto& rr : ns.message.additional) {
    if (!rr.owner.isSubdomainOf(run->domain)) continue;
    if (auto a = addressFromRecord(rr)) {
      server.hostAddresses[lower(rr.owner)].push_back(addressText(*a));
    }
  }
  std::set<dns::Name> hosts;
  for (const auto& h : run->delegation.referral.ns) {
    if (h.isSubdomainOf(run->domain)) hosts.insert(h.lowercased());
  }
  if (auto set = findSet(ns.message.answer, run->domain, dns::RRType::NS)) {
    for (const auto& rr : set->records) {
      const auto& h = std::get<dns::rdata::NS>(rr.data).host;
      if (h.isSubdomainOf(run->domain)) hosts.insert(h.lowercased());
    }
  }
  for (const auto& host : hosts) {
    if (server.hostAddresses.count(lower(host))) continue;
    // Only hosts the observation follows: past the NS-name cap, the rest of the set is not asked.
    if (!run->hostsSeen.count(host)) continue;
    struct Asked {
      std::vector<std::string> addresses;
      int pending = 2;
      bool usable = true;  // both questions answered by this zone
    };
    auto asked = std::make_shared<Asked>();
    for (auto type : {dns::RRType::A, dns::RRType::AAAA}) {
      auto answered = [this, run, index, host, type, asked](QueryResult r) {
        auto& s = run->servers[index];
        const HostAnswer read = readHostAnswer(r, run->domain);
        if (read.kind == HostAnswer::Kind::kAnswered) {
          for (const auto& rr : r->message.answer) {
            if (!(rr.owner == host) || rr.type != type) continue;
            if (auto a = addressFromRecord(rr)) asked->addresses.push_back(addressText(*a));
          }
        } else {
          asked->usable = false;
          if (read.kind == HostAnswer::Kind::kFailed) {
            s.hostFailures.push_back({type, lower(host), read.why});
          }
        }
        if (--asked->pending == 0 && asked->usable) {
          s.hostAddresses[lower(host)] = std::move(asked->addresses);
        }
        if (--run->pending == 0) finish(run);
      };
      resolver::Query q;
      q.server = server.address;
      q.name = host;
      q.type = type;
      ++run->pending;
      // Not sent counts as failed, so that the other question's answer is not taken alone. The
      // NS answer being handled still holds its own unit of run->pending: no finish() from here.
      submit(run, std::move(q), answered);
    }
  }
}

// The chain of trust above the domain, one zone at a time from the top: a zone's DS evidence (from
// its parent's servers) and its DNSKEY RRset (from its own) are taken from the first server whose
// data validates below the zone above; a server that gives bogus data is passed over for the next
// (RFC 4035 §5: a validator that meets bogus data may try another server). Only when every server
// gives bogus data is that the zone's data, and then it is kept for kUnvalidatedKeysTtl only.
void Prober::fetchChain(std::shared_ptr<ChainFetch> fetch) {
  const auto& path = fetch->run->delegation.path;
  if (fetch->run->finished || fetch->index >= path.size()) return fetch->done();
  const dns::Name zone = path[fetch->index].zone;
  auto established = [this, fetch, zone](const ZoneKeysData& keys) {
    fetch->run->chainKeys.push_back(keys);
    fetch->above = judge(*fetch->run, fetch->above, zone, keys);
    ++fetch->index;
    fetchChain(fetch);
  };
  if (const ZoneKeysData* cached = cache_.zoneKeys(zone)) return established(*cached);
  auto& waiters = keyWaiters_[zone];
  waiters.push_back(established);
  if (waiters.size() == 1) fetchZone(std::move(fetch), zone);
}

// A zone's chain data is shared by every observation below it, so fetching it spends no one
// observation's budget: an observation that exhausted its own (a hostile domain) must not leave
// its zone's keys unfetched, and so cached empty, for the domains beside it. The fetch is bounded
// all the same: two questions, each asked of the zone's servers (or its parent's) in turn.
void Prober::fetchZone(std::shared_ptr<ChainFetch> fetch, const dns::Name& zone) {
  const auto& path = fetch->run->delegation.path;
  const size_t i = fetch->index;
  auto data = std::make_shared<ZoneKeysData>();
  // The first server whose data is not bogus below the zone above; `trial` fills a copy of what
  // is known so far with one server's answer.
  auto acceptIf = [this, fetch, zone](std::function<void(ZoneKeysData&, const dns::Message&)> fill,
                                      std::shared_ptr<ZoneKeysData> known) {
    return [this, fetch, zone, fill, known](const ZoneAnswer& a) -> std::optional<std::string> {
      ZoneKeysData trial = *known;
      fill(trial, a.answer.message);
      auto trust = judge(*fetch->run, fetch->above, zone, trial);
      if (!trust || trust->outcome.state != dnssec::State::kBogus) return std::nullopt;
      return "bogus (" + std::string(dnssec::toString(trust->outcome.reason)) + ")";
    };
  };
  auto fillKeys = [zone](ZoneKeysData& d, const dns::Message& m) {
    d.dnskey = findSet(m.answer, zone, dns::RRType::DNSKEY);
  };
  auto fillEvidence = [zone](ZoneKeysData& d, const dns::Message& m) {
    d.fromParent = evidenceFrom(m, zone);
  };
  auto askKeys = [this, fetch, zone, data, acceptIf, fillKeys, cut = path[i]]() {
    iterator_.askZone(
        cut, zone, dns::RRType::DNSKEY,
        [this, fetch, zone, data, fillKeys](Result<ZoneAnswer> r) {
          if (r) fillKeys(*data, r->answer.message);
          auto trust = judge(*fetch->run, fetch->above, zone, *data);
          zoneFetched(zone, *data,
                      data->dnskey && (!trust || trust->outcome.state != dnssec::State::kBogus));
        },
        BudgetPtr{}, acceptIf(fillKeys, data));
  };
  if (i == 0) return askKeys();
  iterator_.askZone(
      path[i - 1], zone, dns::RRType::DS,
      [data, fillEvidence, askKeys](Result<ZoneAnswer> r) {
        if (r) fillEvidence(*data, r->answer.message);
        askKeys();
      },
      BudgetPtr{}, acceptIf(fillEvidence, data));
}

// Caches what was fetched for `zone` and hands it to every observation waiting for it. Data that
// did not validate below the zone above (judged by the observation that fetched it), or is
// incomplete, is stored briefly.
void Prober::zoneFetched(const dns::Name& zone, const ZoneKeysData& data, bool validated) {
  uint32_t ttl = 0;
  auto keepTtl = [&ttl](uint32_t t) { ttl = ttl == 0 ? t : std::min(ttl, t); };
  if (data.dnskey) keepTtl(data.dnskey->ttl);
  if (data.fromParent.ds) keepTtl(data.fromParent.ds->ttl);
  // A DNSKEY RRset is only taken bogus after every server's was (askZone's `accept`).
  cache_.storeZoneKeys(zone, data, validated ? ttl : kUnvalidatedKeysTtl);
  auto node = keyWaiters_.extract(zone);
  if (node.empty()) return;
  for (auto& cb : node.mapped()) cb(data);
}

std::optional<dnssec::ZoneTrust> Prober::judge(const Run& run,
                                               const std::optional<dnssec::ZoneTrust>& above,
                                               const dns::Name& zone, const ZoneKeysData& keys) {
  dnssec::Validator validator(anchors_, run.now, options_.limits, verifications_, &keyCache_);
  return dnssec::stepDown(validator, above ? &*above : nullptr,
                          {zone, &keys.fromParent, keys.dnskey ? &*keys.dnskey : nullptr});
}

// --- Finishing an observation: the answers become views, validated and judged -----------------

// Keeps what a server showed: as text in its view, or for Observation::renderEvidence.
struct Prober::EvidenceKeeper {
  ProbeOptions::Evidence mode;
  std::shared_ptr<DeferredEvidence> deferred = std::make_shared<DeferredEvidence>();

  template <class View>
  void keep(View& view, bool server, std::vector<dns::RRset> sets) {
    if (sets.empty() || mode == ProbeOptions::Evidence::kNone) return;
    if (mode == ProbeOptions::Evidence::kText) {
      for (const auto& set : sets) view.evidence += evidenceText(set);
      return;
    }
    deferred->parts.push_back({server, view.name, view.address, std::move(sets)});
  }
};

namespace {

// One parent server's view of the delegation, and what it showed of the DS.
struct ParentReading {
  ParentServer view;
  std::optional<dnssec::DelegationEvidence> evidence;  // when its DS answer was usable
  std::vector<dns::RRset> shown;                       // the DS RRset, or the denial
};

// The delegation as one parent server gave it: its referral (or, from a server that serves the
// child too, its authoritative NS answer) and its DS answer (`ds`, the referral itself when that
// carried the DS or its denial).
ParentReading readParentServer(const dns::Name& host, const ServerAddress& address,
                               const std::optional<QueryResult>& ns,
                               const std::optional<QueryResult>& ds, const dns::Name& parentZone,
                               const dns::Name& domain) {
  ParentReading out;
  ParentServer& view = out.view;
  view.name = lower(host);
  view.address = addressText(address);
  if (ns && *ns) {
    view.rttMs = static_cast<double>((*ns)->rtt.count()) / 1000.0;
    view.rcode = (*ns)->rcode;
    if (auto ref = findReferral((*ns)->message, parentZone, domain); ref && ref->zone == domain) {
      for (const auto& h : ref->ns) view.ns.push_back(lower(h));
      std::sort(view.ns.begin(), view.ns.end());
      std::map<std::string, std::vector<std::string>> glue;
      for (const auto& [h, a] : ref->glue) glue[lower(h)].push_back(addressText(a));
      for (auto& [h, addrs] : glue) {
        std::sort(addrs.begin(), addrs.end());
        view.glue.push_back({h, addrs});
      }
    } else if ((*ns)->aa) {
      if (auto set = findSet((*ns)->message.answer, domain, dns::RRType::NS)) {
        view.ns = nsNames(*set);  // the parent's server also serves the child
      }
    }
  }
  if (ns) {
    if (auto err = answerError(*ns)) view.error = err;
  } else {
    view.error = QueryError{QueryFailure::kUnanswered};  // the observation's deadline came first
  }
  if (ds && !view.error) view.error = answerError(*ds);
  if (ds && *ds && !view.error) {
    auto ev = evidenceFrom((*ds)->message, domain);
    out.shown = ev.ds ? std::vector<dns::RRset>{*ev.ds} : ev.denial;
    if (ev.ds) view.ds = dsInfos(*ev.ds);
    view.denial = denialKind(ev);
    out.evidence = std::move(ev);
  }
  return out;
}

// Fills a server view's transport facts, failed questions and error from its answers to the apex
// questions (kServerTypes), and the addresses it serves for NS hosts inside the domain.
void readServerAnswers(const std::map<dns::RRType, QueryResult>& answers,
                       const std::vector<FailedQuery>& hostFailures,
                       std::map<std::string, std::vector<std::string>>& hostAddresses,
                       bool timedOut, ServerView& view) {
  const QueryResult* soa = nullptr;
  if (auto it = answers.find(dns::RRType::SOA); it != answers.end()) soa = &it->second;
  std::optional<QueryError> firstFailure;
  for (auto type : kServerTypes) {
    auto it = answers.find(type);
    if (it == answers.end()) continue;
    if (auto why = apexQueryError(it->second)) {
      view.failedQueries.push_back({type, {}, *why});
      // A server that answers the validation data but refuses CDS/CDNSKEY (or answers them
      // FORMERR, NOTIMP...) is still a sound source for the verdict: resolvers never ask
      // those. Only its silence leaves the whole view in doubt.
      const bool cdsType = type == dns::RRType::CDS || type == dns::RRType::CDNSKEY;
      if (!firstFailure && (!cdsType || !it->second)) firstFailure = why;
      if (type == dns::RRType::SOA) view.error = why;
    }
  }
  if (soa == nullptr) {
    view.error = QueryError{timedOut ? QueryFailure::kUnanswered : QueryFailure::kNotAsked};
  } else if (*soa) {
    const auto& a = **soa;
    view.rcode = a.rcode;
    view.aa = a.aa;
    view.transport = std::string(resolver::toString(a.transport));
    view.rttMs = static_cast<double>(a.rtt.count()) / 1000.0;
  }
  // A server that answered the SOA but not, say, the DNSKEY query (a lost datagram, both
  // tries; or SERVFAIL, REFUSED, no AA for that type only) has given a partial view: its empty
  // DNSKEY or NS set would read as "the servers disagree" and, two polls in a row, as a
  // change, and validating its data alone would call the domain indeterminate where a
  // resolver simply asks another server. Its data is left out like that of a server that did
  // not answer; failedQueries and the findings say what it did answer. Reachability is
  // tracked apart from the data (server_unreachable/server_recovered).
  if (!view.error) view.error = firstFailure;
  view.failedQueries.insert(view.failedQueries.end(), hostFailures.begin(), hostFailures.end());
  for (auto& [host, addresses] : hostAddresses) {
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    view.hostAddresses.push_back({host, addresses});
  }
}

// The apex RRsets one server gave in its authoritative answers.
struct ApexSets {
  std::vector<dns::RRset> signedSets;  // SOA, NS, CDS, CDNSKEY: each validated on its own
  std::vector<dns::RRset> shown;       // the evidence, in kServerTypes order
  std::optional<dns::RRset> dnskey, cds, cdnskey;
};

// Reads the apex RRsets from a server's answers into `view` (SOA fields, NS, keys, CDS) and
// returns them for validation and evidence.
ApexSets readApexSets(const dns::Name& domain, const std::map<dns::RRType, QueryResult>& answers,
                      bool keepShown, ServerView& view) {
  ApexSets out;
  for (auto type : kServerTypes) {
    auto it = answers.find(type);
    if (it == answers.end() || !it->second || !it->second->aa) continue;
    auto set = findSet(it->second->message.answer, domain, type);
    if (!set) {
      // An authoritative NOERROR answer without DNSKEYs says the zone publishes none: that is
      // data, not a gap. Handing the validator an empty RRset lets a DS at the parent make it
      // bogus (RFC 4035 §5.2: no DNSKEY matches the DS), as validating resolvers judge it;
      // "no RRset at all" would read as missing data (indeterminate).
      if (type == dns::RRType::DNSKEY && it->second->rcode == 0) {
        out.dnskey = dns::RRset{domain, dns::RRType::DNSKEY, dns::kClassIN, 0, {}, {}};
      }
      continue;
    }
    if (keepShown) out.shown.push_back(*set);
    switch (type) {
      case dns::RRType::SOA: {
        const auto& soaData = std::get<dns::rdata::SOA>(set->records.front().data);
        view.soaSerial = soaData.serial;
        view.soaMname = lower(soaData.mname);
        view.soaRname = lower(soaData.rname);
        out.signedSets.push_back(*set);
        break;
      }
      case dns::RRType::NS:
        view.ns = nsNames(*set);
        out.signedSets.push_back(*set);
        break;
      case dns::RRType::DNSKEY:
        view.dnskey = keyInfos(*set);
        out.dnskey = *set;
        break;
      case dns::RRType::CDS:
        view.cds = dsInfos(*set);
        out.cds = *set;
        out.signedSets.push_back(*set);
        break;
      case dns::RRType::CDNSKEY:
        view.cdnskey = keyInfos(*set);
        out.cdnskey = *set;
        out.signedSets.push_back(*set);
        break;
      default:
        break;
    }
  }
  return out;
}

// The earliest expiration among the signatures a server serves over its apex RRsets, whether or
// not they validate: an expired or expiring signature must show even when it already broke the
// chain.
std::optional<int64_t> earliestExpiration(const ApexSets& apex, int64_t now) {
  std::optional<int64_t> earliest;
  auto keep = [&](const dns::RRset& set) {
    for (const auto& sig : set.signatures) {
      const int64_t t =
          dnssec::unixFromSerial(std::get<dns::rdata::RRSIG>(sig.data).expiration, now);
      if (!earliest || t < *earliest) earliest = t;
    }
  };
  if (apex.dnskey) keep(*apex.dnskey);
  for (const auto& set : apex.signedSets) keep(set);
  return earliest;
}

// Validates one server's apex against the chain above (`trust`, the parent's `evidence` for the
// domain): the worst outcome of its keys and RRsets becomes the view's verdict. Returns the
// domain's trust as this server's keys establish it.
dnssec::ZoneTrust judgeServer(dnssec::Validator& validator, const dnssec::ZoneTrust& trust,
                              const dns::Name& domain, const dnssec::DelegationEvidence& evidence,
                              const ApexSets& apex, int64_t now, ServerView& view) {
  validator.resetBudget();
  auto domainTrust =
      validator.childZone(trust, domain, evidence, apex.dnskey ? &*apex.dnskey : nullptr);
  const dnssec::ZoneVerdict verdict = dnssec::judgeRRsets(validator, domainTrust, apex.signedSets);
  view.state = verdict.outcome.state;
  view.reason = verdict.outcome.reason;
  view.detail = verdict.outcome.detail;
  view.earliestRrsigExpiration = earliestExpiration(apex, now);
  return domainTrust;
}

// The overall verdict is the worst of the servers that answered, attributed to that server.
// `view` is judged and not yet in obs.servers.
void foldVerdict(Observation& obs, const ServerView& view) {
  if (view.earliestRrsigExpiration &&
      (!obs.earliestRrsigExpiration ||
       *view.earliestRrsigExpiration < *obs.earliestRrsigExpiration)) {
    obs.earliestRrsigExpiration = view.earliestRrsigExpiration;
  }
  const bool first = std::none_of(obs.servers.begin(), obs.servers.end(),
                                  [](const ServerView& v) { return !v.error; });
  if (first || dnssec::isWorse(view.state, obs.status)) {
    obs.status = view.state;
    obs.reason = view.reason;
    obs.ede = dnssec::edeCode(view.reason);
    obs.detail =
        view.detail.empty() ? std::string() : view.name + " (" + view.address + "): " + view.detail;
  } else if (view.state == obs.status && view.reason == dnssec::Reason::kDeprecatedAlgorithm) {
    obs.reason = view.reason;
  }
}

// The verdict when it does not come from the servers: the chain above the domain is already
// insecure, bogus or unknown; or no server gave a view whole enough to judge.
void verdictWithoutServers(Observation& obs, const dnssec::ZoneTrust& trust, bool anyJudged) {
  if (trust.outcome.state != dnssec::State::kSecure) {
    obs.status = trust.outcome.state;
    obs.reason = trust.outcome.reason;
    obs.ede = trust.outcome.ede();
    obs.detail = trust.outcome.detail;
    return;
  }
  if (anyJudged) return;
  obs.status = dnssec::State::kIndeterminate;
  obs.reason = dnssec::Reason::kMissingData;
  obs.ede = dnssec::edeCode(obs.reason);
  // Name each server and what failed there: when one server's SERVFAIL to DNSKEY is what left
  // the domain without a verdict, the verdict must say so.
  std::vector<std::string> why;
  for (const auto& v : obs.servers) {
    if (!v.error) continue;
    const std::string where = v.address.empty() ? v.name : v.name + " " + v.address;
    // An unresolved host says why (a cycle, a cap): that is the verdict's reason then.
    const std::string what = !v.failedQueries.empty() ? failedText(v.failedQueries)
                             : failedWith(v.error, QueryFailure::kUnresolved) && !v.detail.empty()
                                 ? v.error->text() + ", " + v.detail
                                 : v.error->text();
    why.push_back(where + ": " + what);
  }
  obs.detail = "no authoritative server of " + obs.domain + " answered";
  if (!why.empty()) obs.detail += " (" + join(why, "; ") + ")";
}

// The domain's own step, which ends the chain: its DS tags and the keys of the first server
// judged. Its trust is what its parent says of it (the DS, or the proof there is none) even
// when none of its servers answered. `published` is the DS set the parent publishes, `matched` each
// judged server's DS that match its keys ("name address" -> ChainStep::dsMatched).
ChainStep domainStep(const Observation& obs, const dnssec::ZoneTrust& domainTrust,
                     std::vector<DsInfo> published,
                     std::map<std::string, std::vector<DsInfo>>& matched) {
  ChainStep step;
  step.zone = obs.domain;
  step.state = domainTrust.outcome.state;
  step.reason = domainTrust.outcome.reason;
  for (const auto& ds : domainTrust.ds) step.dsTags.push_back(ds.keyTag);
  step.ds = std::move(published);
  for (const auto& s : obs.servers) {
    if (!s.error) {
      for (const auto& k : s.dnskey) step.dnskeyTags.push_back(k.tag);
      step.dnskey = s.dnskey;
      step.dsMatched = std::move(matched[s.name + " " + s.address]);
      break;
    }
  }
  return step;
}

}  // namespace

void Prober::finish(std::shared_ptr<Run> run) {
  if (run->finished) return;
  noteLimits(*run);
  if (options_.replayCheck && replayOrAskMore(run)) return;
  run->finished = true;
  if (run->deadline) engine_.loop().cancelTimer(*run->deadline);
  Observation& obs = run->obs;
  if (obs.replayed) {
    auto done = std::move(run->done);
    done(std::move(run->obs));
    return;
  }
  EvidenceKeeper keeper{options_.evidence};
  if (!obs.error) {
    judgeDelegation(*run, keeper);
  } else {
    obs.status = dnssec::State::kIndeterminate;
    obs.reason = dnssec::Reason::kMissingData;
    // RFC 8914 §4.23 "No Reachable Authority" only when that is what happened: "." given as a
    // domain, a name that does not exist or is not delegated are facts about the name.
    if (!run->walkFailure || *run->walkFailure == WalkError::Kind::kUnreachable) {
      obs.ede = dnssec::edeCode(obs.reason);
    }
    obs.detail = *obs.error;
  }
  if (options_.evidence == ProbeOptions::Evidence::kDeferred && !keeper.deferred->parts.empty()) {
    obs.renderEvidence = [deferred = keeper.deferred] { return deferred->render(); };
  }
  auto done = std::move(run->done);
  done(std::move(run->obs));
}

// The replay check (ProbeOptions::replayCheck) of an observation whose questions are all answered:
// replayed, judged in full, or, when memos stood for answers not asked and the inputs are not
// ones proven to change nothing, not done yet (true): those questions are asked, and finish()
// comes again once they are answered. Sets the observation's replay inputs and new memos.
bool Prober::replayOrAskMore(const std::shared_ptr<Run>& run) {
  Observation& obs = run->obs;
  settleRests(*run);
  obs.replay = replayInputs(*run);
  if (obs.replay && options_.replayCheck(obs)) {
    obs.replayed = true;
  } else if (askWhatMemosStoodFor(run)) {
    return true;
  }
  // New memos only from an observation that ran to its end and asked some server everything.
  const bool askedAll = std::any_of(run->servers.begin(), run->servers.end(),
                                    [](const auto& s) { return !s.sameAs && !s.fromMemo; });
  if (obs.replay && askedAll) obs.serverMemo = encodeServerMemos(memosOf(*run));
  return false;
}

// Asks every server whose memo stood for its answers those questions; false when none did, or
// when the deadline has passed (the observation then ends with what it has).
bool Prober::askWhatMemosStoodFor(const std::shared_ptr<Run>& run) {
  if (run->timedOut) {
    leaveOutMemoServers(*run);
    return false;
  }
  std::vector<size_t> reused;
  for (size_t i = 0; i < run->servers.size(); ++i) {
    if (run->servers[i].fromMemo) reused.push_back(i);
  }
  if (reused.empty()) return false;
  run->obs.replay.reset();
  ++run->pending;  // held while the questions start
  for (size_t i : reused) {
    run->servers[i].fromMemo = false;
    run->servers[i].rest.reset();
    askRest(run, i);
  }
  if (--run->pending == 0) finish(run);  // every question ended at once (a cap)
  return true;
}

// The deadline came before a memo's questions could be asked: they are recorded as never sent
// ("cancelled"), so that the server's view counts as partial and its data is left out of the
// verdict (readServerAnswers). Without them its SOA alone would read as an empty NS set and no
// keys, a change two such polls in a row would confirm. "Cancelled" says nothing about the
// server's reachability (detect/differ.cpp).
void Prober::leaveOutMemoServers(Run& run) {
  for (auto& s : run.servers) {
    if (!s.fromMemo) continue;
    for (auto type : kServerTypes) {
      if (s.answers.count(type)) continue;
      s.answers.emplace(type, QueryResult(Unexpected{resolver::QueryError{
                                  resolver::QueryErrc::kCancelled,
                                  "not asked: a server memo stood for it, and the observation's "
                                  "deadline came first",
                                  s.address, resolver::Transport::kUdp, std::nullopt}}));
    }
  }
}

// Each server's answers but the SOA's, digested, where no memo stands for them.
void Prober::settleRests(Run& run) {
  for (auto& s : run.servers) {
    if (s.sameAs || s.rest) continue;
    ReplayDigest d(run.now);
    for (auto type : kServerTypes) {
      if (type == dns::RRType::SOA) continue;
      if (auto it = s.answers.find(type); it != s.answers.end()) {
        d.answer(it->second);
      } else {
        d.absent();
      }
    }
    for (const auto& [host, addresses] : s.hostAddresses) {
      d.text(host);
      for (const auto& a : addresses) d.text(a);
    }
    for (const auto& failed : s.hostFailures) d.text(failed.text());
    s.rest = d.finish();
  }
}

// The memos of this observation: a new one for each server asked everything whose SOA answer is
// signed, the one it had for each server its memo stood for.
std::vector<ServerMemo> Prober::memosOf(const Run& run) {
  std::set<std::string> referred;
  for (const auto& host : run.delegation.referral.ns) referred.insert(lower(host));
  std::vector<ServerMemo> memos;
  for (const auto& s : run.servers) {
    if (memos.size() == kMaxServerMemos) break;
    const std::string key = s.address.toString();
    if (s.fromMemo) {
      for (const auto& m : run.memos) {
        if (m.address == key) memos.push_back(m);
      }
      continue;
    }
    const auto soa = s.answers.find(dns::RRType::SOA);
    if (s.sameAs || !s.rest || soa == s.answers.end() || !signedSoa(soa->second, run.domain)) {
      continue;
    }
    ServerMemo m{key, soaKey(soa->second), *s.rest, run.now, {}};
    const auto ns = s.answers.find(dns::RRType::NS);
    if (ns != s.answers.end() && ns->second && ns->second->aa) {
      if (auto set = findSet(ns->second->message.answer, run.domain, dns::RRType::NS)) {
        for (const auto& rr : set->records) {
          const std::string host = lower(std::get<dns::rdata::NS>(rr.data).host);
          if (!referred.count(host) && m.extraHosts.size() < kMaxMemoHosts) {
            m.extraHosts.push_back(host);
          }
        }
      }
    }
    memos.push_back(std::move(m));
  }
  return memos;
}

// What cut the observation short: the work budget's caps, and the deadline if it passed.
void Prober::noteLimits(Run& run) const {
  run.obs.limits = run.budget->cut();
  if (!run.timedOut) return;
  run.obs.limits.push_back("observation_timeout: the observation's " +
                           std::to_string(options_.observationTimeout.count()) +
                           " ms ran out; questions still unanswered were given up");
  if (!run.obs.error && run.delegation.path.empty()) {
    run.obs.error = "the observation's deadline passed before the delegation was found";
    run.obs.errorCode = "observation_timeout";
  }
}

// Everything judgeDelegation() reads, digested (replay_digest.h): the anchors, the chain data of
// every zone above, each parent and own server's answers, the hosts left unresolved, the
// referral, and what the operators and the iterator's aliases make of its NS hosts. None for an
// observation that did not run to its end: what a deadline or a cap left out is not repeatable.
std::optional<model::ReplayInputs> Prober::replayInputs(const Run& run) const {
  if (run.obs.error || run.timedOut || !run.obs.limits.empty() || run.delegation.path.empty()) {
    return std::nullopt;
  }
  ReplayDigest d(run.now);
  d.text("zonewatch replay 2");  // what goes in, and in which order; bump on any change
  d.text(anchorsKey_);
  for (size_t i = 0; i < run.delegation.path.size(); ++i) {
    const dns::Name& zone = run.delegation.path[i].zone;
    const ZoneKeysData* keys = i < run.chainKeys.size() ? &run.chainKeys[i] : cache_.zoneKeys(zone);
    d.text(zone.lowercased().toString());
    if (keys == nullptr) {
      d.absent();
      continue;
    }
    d.rrset(keys->dnskey);
    d.rrset(keys->fromParent.ds);
    for (const auto& set : keys->fromParent.denial) d.rrset(set);
  }
  const Referral& referral = run.delegation.referral;
  d.number(run.delegation.sharedServers ? 1 : 0);
  for (const auto& host : referral.ns) d.text(host.lowercased().toString());
  for (const auto& [host, address] : referral.glue) {
    d.text(host.lowercased().toString() + " " + address.toString());
  }
  digestParents(run, d);
  digestServers(run, d);
  for (const auto& [host, why] : run.unresolvedHosts) d.text(host.toString() + " " + why);
  for (const auto& op : operators_.operatorsOf(referral.ns)) d.text(op);
  for (const auto& host : run.hostsSeen) {
    if (auto target = iterator_.aliasOf(host)) d.text(lower(host) + " -> " + lower(*target));
  }
  return d.finish();
}

void Prober::digestParents(const Run& run, ReplayDigest& d) {
  for (const auto& p : run.parent) {
    d.text(p.host.lowercased().toString() + " " + p.address.toString());
    d.number(p.dsInReferral ? 1 : 0);
    for (const auto* answer : {&p.ns, &p.ds}) {
      if (*answer) {
        d.answer(**answer);
      } else {
        d.absent();
      }
    }
  }
}

void Prober::digestServers(const Run& run, ReplayDigest& d) {
  for (const auto& s : run.servers) {
    d.text(s.host.lowercased().toString() + " " + s.address.toString());
    d.number(s.sameAs ? static_cast<int64_t>(*s.sameAs) : -1);
    if (s.sameAs) continue;  // that server's answers are digested once, where they were asked
    // The SOA answer, then the rest as one piece (settleRests), which a memo can stand for.
    if (auto it = s.answers.find(dns::RRType::SOA); it != s.answers.end()) {
      d.answer(it->second);
    } else {
      d.absent();
    }
    if (s.rest) {
      d.inputs(*s.rest);
    } else {
      d.absent();
    }
  }
}

// The walk reached the domain's parent: the parent's view, the chain above the domain, each
// server's view validated against it, and the verdict.
void Prober::judgeDelegation(Run& run, EvidenceKeeper& keeper) {
  Observation& obs = run.obs;
  const dnssec::DelegationEvidence evidence =
      parentView(run, keeper).value_or(dnssec::DelegationEvidence{});
  dnssec::Validator validator(anchors_, run.now, options_.limits, verifications_, &keyCache_);
  const dnssec::ZoneTrust trust = chainAbove(run, validator);
  std::optional<dnssec::ZoneTrust> domainTrust;
  const std::vector<dns::rdata::DS> publishedDs = dsRecords(evidence.ds ? &*evidence.ds : nullptr);
  std::map<std::string, std::vector<DsInfo>> dsMatched;  // "name address" -> ChainStep::dsMatched
  for (auto& s : run.servers) {
    // A host at an address already asked reads that address's answers: shared, not copied, so
    // that an observation's memory does not grow with how often its NS set names one address.
    auto& asked = s.sameAs ? run.servers[*s.sameAs] : s;
    ServerView view;
    view.name = lower(s.host);
    view.address = addressText(s.address);
    readServerAnswers(asked.answers, asked.hostFailures, asked.hostAddresses, run.timedOut, view);
    ApexSets apex = readApexSets(run.domain, asked.answers,
                                 options_.evidence != ProbeOptions::Evidence::kNone, view);
    view.cdsCheck = checkCdsRRsets(run.domain, apex.dnskey, apex.cds, apex.cdnskey);
    if (view.error) {
      view.state = dnssec::State::kIndeterminate;
      view.reason = dnssec::Reason::kMissingData;
      view.detail = view.failedQueries.empty()
                        ? "the server did not answer authoritatively (" + view.error->text() + ")"
                        : "no usable answer to " + failedText(view.failedQueries);
    } else {
      dsMatched[view.name + " " + view.address] =
          dsMatching(run.domain, publishedDs, apex.dnskey ? &*apex.dnskey : nullptr);
      auto judged = judgeServer(validator, trust, run.domain, evidence, apex, run.now, view);
      if (!domainTrust) domainTrust = std::move(judged);
      foldVerdict(obs, view);
    }
    keeper.keep(view, true, std::move(apex.shown));
    obs.servers.push_back(std::move(view));
  }
  for (const auto& [host, why] : run.unresolvedHosts) {
    ServerView view;
    view.name = lower(host);
    view.error = QueryError{QueryFailure::kUnresolved};
    view.detail = why;
    obs.servers.push_back(std::move(view));
  }
  std::sort(obs.servers.begin(), obs.servers.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.address) < std::tie(b.name, b.address);
  });
  verdictWithoutServers(obs, trust, domainTrust.has_value());
  if (!domainTrust) {
    validator.resetBudget();
    domainTrust = validator.childZone(trust, run.domain, evidence, nullptr);
  }
  obs.chain.push_back(domainStep(obs, *domainTrust, dsOf(publishedDs), dsMatched));
}

// The parent's view: each parent server's delegation, the one most of them publish as the
// parent's, the operators and NS aliases. Returns the parent's DS evidence for the domain.
std::optional<dnssec::DelegationEvidence> Prober::parentView(Run& run, EvidenceKeeper& keeper) {
  Observation& obs = run.obs;
  const ZoneCut& parentCut = run.delegation.path.back();
  obs.parent.zone = lower(parentCut.zone);
  std::vector<std::pair<size_t, dnssec::DelegationEvidence>> candidates;  // view index, evidence
  for (auto& p : run.parent) {
    ParentReading r = readParentServer(p.host, p.address, p.ns, p.dsInReferral ? p.ns : p.ds,
                                       parentCut.zone, run.domain);
    keeper.keep(r.view, false, std::move(r.shown));
    if (r.evidence) candidates.push_back({obs.parent.servers.size(), std::move(*r.evidence)});
    obs.parent.servers.push_back(std::move(r.view));
  }
  // The delegation as most parent servers publish it; among equally many, the smallest by
  // content. Never "the first to answer": which server that is changes from poll to poll, and
  // with one stale parent server the state would flip between its view and the others'.
  std::optional<dnssec::DelegationEvidence> evidence;
  if (const auto* chosen = delegationOfMost(obs.parent.servers, candidates)) {
    const ParentServer& view = obs.parent.servers[chosen->first];
    evidence = chosen->second;
    obs.parent.ns = view.ns;
    obs.parent.glue = view.glue;
    obs.parent.ds = view.ds;
    obs.parent.denial = view.denial;
  }
  std::sort(obs.parent.servers.begin(), obs.parent.servers.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.address) < std::tie(b.name, b.address);
  });
  if (obs.parent.ns.empty()) {
    for (const auto& h : run.delegation.referral.ns) obs.parent.ns.push_back(lower(h));
    std::sort(obs.parent.ns.begin(), obs.parent.ns.end());
  }
  obs.operators = operators_.operatorsOf(run.delegation.referral.ns);
  for (const auto& host : run.hostsSeen) {
    if (auto target = iterator_.aliasOf(host)) {
      obs.nsAliases.push_back(lower(host) + " -> " + lower(*target));
    }
  }
  return evidence;
}

// The chain of trust from the anchor down to the domain's parent (dnssec::walkChain), one
// ChainStep per zone cut it validated. Returns the parent's trust.
dnssec::ZoneTrust Prober::chainAbove(Run& run, dnssec::Validator& validator) {
  const auto& path = run.delegation.path;
  std::vector<dnssec::ZoneEvidence> links;
  links.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    const ZoneKeysData* keys =
        i < run.chainKeys.size() ? &run.chainKeys[i] : cache_.zoneKeys(path[i].zone);
    links.push_back({path[i].zone, keys ? &keys->fromParent : nullptr,
                     keys && keys->dnskey ? &*keys->dnskey : nullptr});
  }
  dnssec::ChainWalk walk = dnssec::walkChain(validator, links);
  for (size_t k = 0; k < walk.zones.size(); ++k) {
    const dnssec::ZoneEvidence& link = links[walk.firstLink + k];
    const dnssec::ZoneTrust& trust = walk.zones[k];
    ChainStep step;
    step.zone = lower(link.zone);
    step.state = trust.outcome.state;
    step.reason = trust.outcome.reason;
    // What the parent publishes, or for the anchor zone the configured DS-form anchors (trusted
    // as given; DNSKEY-form anchors are keys, not digests, and show in dsTags only).
    const std::vector<dns::rdata::DS> ds =
        step.zone == lower(anchors_.zone)
            ? anchors_.ds
            : dsRecords(link.fromParent && link.fromParent->ds ? &*link.fromParent->ds : nullptr);
    if (step.zone == lower(anchors_.zone)) {
      step.dsTags = anchorTags(anchors_);
    } else {
      for (const auto& d : trust.ds) step.dsTags.push_back(d.keyTag);
    }
    step.ds = dsOf(ds);
    step.dsMatched = dsMatching(link.zone, ds, link.dnskey);
    if (link.dnskey) {
      step.dnskey = keyInfos(*link.dnskey);
      for (const auto& key : step.dnskey) step.dnskeyTags.push_back(key.tag);
    }
    run.obs.chain.push_back(std::move(step));
  }
  return std::move(walk.trust);
}

std::vector<Observation> observeAll(Prober& prober, resolver::QueryEngine& engine,
                                    const std::vector<dns::Name>& domains) {
  std::vector<std::optional<Observation>> results(domains.size());
  size_t completed = 0;
  for (size_t i = 0; i < domains.size(); ++i) {
    prober.observe(domains[i], [&results, &completed, i](Observation o) {
      results[i] = std::move(o);
      ++completed;
    });
  }
  while (completed < domains.size() && engine.pending() > 0) {
    engine.pollOnce(std::chrono::milliseconds(1000));
  }
  std::vector<Observation> out;
  out.reserve(domains.size());
  for (size_t i = 0; i < domains.size(); ++i) {
    if (results[i]) {
      out.push_back(std::move(*results[i]));
    } else {
      Observation o;
      o.domain = domains[i].lowercased().toString();
      o.domainUnicode = o.domain;
      o.error = "the observation did not complete";
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace zonewatch::probe
