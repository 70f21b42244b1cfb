#pragma once

#include "parlor/store/store.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace parlor::store {

/// Whether a thread of this process may go to Linux's idle scheduling
/// policy and back to the normal one. Going back needs CAP_SYS_NICE or an
/// RLIMIT_NICE of 20, which unprivileged services usually lack; without it
/// the store's checkpointer stays at normal priority (a thread at idle
/// priority could not be raised when it falls behind).
bool idle_priority_reversible();

/// Spawns, linked to `owner` (the store actor) and on a thread of its own,
/// the actor that copies the write-ahead log of `db` into the database once
/// a second through `cp`, keeping the log short. Where thread priorities
/// can go back and forth (`idle_priority_reversible`), it runs at idle
/// priority while it keeps up, and `db`'s commits raise it back when the
/// log grows too long. Dynamically typed on purpose: nobody but its own
/// timer sends it anything.
void spawn_checkpointer(caf::local_actor* owner, store& db,
                        std::shared_ptr<checkpointer> cp);

/// The page count at which commits checkpoint themselves, should the
/// checkpointer stop working (a 34 MB log with 1 KB pages).
inline constexpr int checkpoint_backstop_pages = 32768;

} // namespace parlor::store
