#include "parlor/pubsub/topic_table.hpp"

#include <caf/actor.hpp>

namespace parlor::pubsub {

// The table the PubSub actor uses, compiled once.
template class topic_table<caf::actor>;

} // namespace parlor::pubsub
