#pragma once
// Allocator settings for a process that runs a simulation to its end as fast as it can (`faultline
// --headless`, the benchmarks).

#include <malloc.h>

namespace faultline {

/// The simulator's span batches (about 2 MB each) are made on one thread and freed on another (through a
/// PipelinedSink). By default glibc serves such blocks with mmap, or trims them off the heap when a few
/// come free together, so every batch was fresh pages from the kernel: 30,000 page faults, a fifth of a
/// 1,000 s M/M/8 run. This keeps freed memory in the process for the next batch instead (the pipe's bound
/// caps how much there is). For batch runs only: a window that runs for hours should give memory back.
inline void keepFreedMemoryForReuse()
{
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

} // namespace faultline
