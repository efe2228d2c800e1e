#pragma once
// Heap counted exactly, for the memory tests (issue 9): heap_count.cpp replaces the global
// operator new/delete, so a binary that links it counts every allocation. Give such a test its
// own binary (the replacement is global). Memory, not time.
namespace tb::testing {

long long heap_live();  // bytes allocated and not yet freed (malloc_usable_size)
long long heap_peak();  // the highest heap_live() since the last reset_heap_peak()
void reset_heap_peak();

}  // namespace tb::testing
