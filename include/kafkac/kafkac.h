/* libkafkac: a native Apache Kafka client in C.  Include this one header. */
#ifndef KAFKAC_H
#define KAFKAC_H
#include "kafkac/export.h"
#include "kafkac/error.h"
#include "kafkac/types.h"
#include "kafkac/protocol.h"
#include "kafkac/conf.h"
#include "kafkac/consumer.h"
#include "kafkac/producer.h"
#include "kafkac/admin.h"
#endif
