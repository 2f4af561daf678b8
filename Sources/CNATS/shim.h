#ifndef CHANNELCAST_CNATS_SHIM_H
#define CHANNELCAST_CNATS_SHIM_H
#include <nats/nats.h>
#endif
