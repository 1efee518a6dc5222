/* libkafkac: symbol visibility.  The library is built with
 * -fvisibility=hidden; only functions marked KAFKAC_API are exported. */
#ifndef KAFKAC_EXPORT_H
#define KAFKAC_EXPORT_H
#if defined(__GNUC__) || defined(__clang__)
#define KAFKAC_API __attribute__((visibility("default")))
#else
#define KAFKAC_API
#endif
#endif
