#ifndef CHANNELCAST_CZEROMQ_SHIM_H
#define CHANNELCAST_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
