// What every Store backend does to a row the same way, whatever its SQL: the checks a commit passes
// before any transaction starts, how the stored text of a verdict or an event kind reads back
// (an unknown name is an error naming the row, never a guess), and how a new snapshot's evidence
// is rendered, capped (evidence.h) and deflated (deflate.h) for storing and inflated when read.
// Kept in one place so that SQLite and PostgreSQL cannot drift apart on these rules.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "monitor/util/result.h"
#include "storage/deflate.h"
#include "storage/evidence.h"
#include "storage/store.h"

namespace zonewatch::storage {

// Everything written deflated must read back within inflateText's cap.
static_assert(kMaxEvidenceBytes <= kMaxInflatedBytes);

// Checks what the schema cannot express well (no domain, an event without uid, an empty sink).
Status<> validateCommit(const ObservationCommit& c);

// The stored verdict, each part by name: empty before the first observation with data; a name
// this build does not know (a newer zonewatch wrote it, or it was edited) is an error naming the
// domain.
Status<> readVerdict(const std::string& domain, const std::string& status,
                     const std::string& reason, DomainRow& r);

// Kind and severity of event `e` (whose id is set) from their stored names; an unknown name is an
// error naming the row and leaves both untouched.
Status<> readEventKind(const std::string& kind, const std::string& severity, EventRow& e);

// A domain row as both backends' domain queries select it (domain, first_seen, last_seen,
// last_change, status, reason, operators_json, rrsig_expiry, state_json, pending_json,
// pending_count, servers_json, baseline_json, failures, replay_digest, replay_until, chain_json,
// server_memo), from either
// backend's row type (text, int64, integer, optionalInt64, isNull, blob by column).
template <class Row>
Result<DomainRow> readDomainColumns(const Row& q) {
  DomainRow r;
  r.domain = q.text(0);
  r.firstSeen = q.int64(1);
  r.lastSeen = q.int64(2);
  r.lastChange = q.int64(3);
  if (auto ok = readVerdict(r.domain, q.text(4), q.text(5), r); !ok) return Unexpected{ok.error()};
  r.operatorsJson = q.text(6);
  r.rrsigExpiry = q.optionalInt64(7);
  r.stateJson = q.text(8);
  r.pendingJson = q.text(9);
  r.pendingCount = q.integer(10);
  r.serversJson = q.text(11);
  r.baselineJson = q.text(12);
  r.failures = q.integer(13);
  if (!q.isNull(14)) {
    if (const auto digest = q.blob(14); digest.size() == 32) {
      r.replayDigest.emplace();
      std::copy(digest.begin(), digest.end(), r.replayDigest->begin());
    }
  }
  r.replayUntil = q.int64(15);
  r.chainJson = q.text(16);
  if (!q.isNull(17)) {
    const auto memo = q.blob(17);
    r.serverMemo.assign(memo.begin(), memo.end());
  }
  return r;
}

// The ten event columns (ZONEWATCH_EVENT_COLUMNS of either backend) from `first` into `e`; an
// unknown kind or severity (readEventKind) leaves `e` with its id, uid, domain and time only.
template <class Row>
Status<> readEventColumns(const Row& q, int first, EventRow& e) {
  e.id = q.int64(first);
  e.uid = q.text(first + 1);
  e.domain = q.text(first + 2);
  e.observedAt = q.int64(first + 3);
  if (auto known = readEventKind(q.text(first + 4), q.text(first + 5), e); !known) return known;
  e.summary = q.text(first + 6);
  e.beforeJson = q.text(first + 7);
  e.afterJson = q.text(first + 8);
  e.server = q.optionalText(first + 9);
  return Ok{};
}

// What a failed commitBatch() was doing, for its error: the domain being written when it failed
// (`current`; none when the COMMIT itself failed), and where (`where`, the database as shown).
std::string commitDoing(std::span<const ObservationCommit> batch, const ObservationCommit* current,
                        std::string_view where);

// The evidence of a NEW snapshot as it is to be kept: rendered (renderEvidence) or given, capped.
std::string evidenceToKeep(const ObservationCommit& c);

// A snapshot's evidence as stored: deflated when that makes it smaller, with '' in the text
// column; otherwise as is, with no blob (empty evidence; or zlib could not allocate its state:
// nothing is lost, it only takes more room).
struct StoredText {
  std::string_view text;
  std::optional<std::vector<uint8_t>> deflated;
};
StoredText storedText(std::string_view text);

// Fills r.evidence from what is stored: the text when there is no blob, else the inflated blob.
// A blob that does not inflate (a damaged row) is an error naming the snapshot.
Status<> readEvidence(SnapshotRow& r, std::string text,
                      std::optional<std::span<const uint8_t>> deflated);

}  // namespace zonewatch::storage
