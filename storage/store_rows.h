// What every Store backend does to a row the same way, whatever its SQL: the checks a commit passes
// before any transaction starts, how the stored text of a verdict or an event kind reads back
// (an unknown name is an error naming the row, never a guess), and how a new snapshot's evidence
// is rendered, capped (evidence.h) and deflated (deflate.h) for storing and inflated when read.
// Kept in one place so that SQLite and PostgreSQL cannot drift apart on these rules.
#pragma once

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
