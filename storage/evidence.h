// The evidence kept with a snapshot: the zone-file text of what the parent and each server
// published (one record per line, ";" comment lines naming the server). Its size is capped, so
// that one huge or hostile answer (a 400-name NS set over TCP, thousands of records) cannot make a
// snapshot, and with it the database, grow without bound. Backend-neutral: every Store applies it
// to the evidence of a new snapshot.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zonewatch::storage {

// The most evidence text kept per snapshot. A real delegation's evidence is a few KiB (store_bench
// uses 2.5 KiB); 256 KiB holds thousands of records, far beyond any legitimate delegation.
inline constexpr size_t kMaxEvidenceBytes = 256 * 1024;

// `text` as is when it is at most `maxBytes` long. Otherwise its longest prefix of whole lines
// that leaves room for one final comment line, then that line, which says how many bytes and lines
// were cut: the result is never longer than `maxBytes` (for maxBytes >= 128) and never ends inside
// a record.
std::string capEvidence(std::string_view text, size_t maxBytes = kMaxEvidenceBytes);

}  // namespace zonewatch::storage
