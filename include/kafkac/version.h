/* libkafkac: the library's version.
 *
 * The three numbers below are the one place the version is written: the
 * Makefile reads them for the shared library's name and soname, the
 * pkg-config and CMake files, and the library sends KAFKAC_VERSION_STR to
 * brokers as its client software version (ApiVersions v3+).
 *
 * Compile time:  #if KAFKAC_VERSION_NUM >= KAFKAC_VERSION_ENCODE(1, 2, 0)
 * Run time:      kafkac_version() is the library actually loaded, which can
 *                be newer than the header a program was built with. */
#ifndef KAFKAC_VERSION_H
#define KAFKAC_VERSION_H

#include "kafkac/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KAFKAC_VERSION_MAJOR 0
#define KAFKAC_VERSION_MINOR 1
#define KAFKAC_VERSION_PATCH 0

/* One number that orders versions: 0x00MMmmpp. */
#define KAFKAC_VERSION_ENCODE(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
#define KAFKAC_VERSION_NUM \
    KAFKAC_VERSION_ENCODE(KAFKAC_VERSION_MAJOR, KAFKAC_VERSION_MINOR, KAFKAC_VERSION_PATCH)

#define KAFKAC_VERSION_STRINGIFY_(x) #x
#define KAFKAC_VERSION_STRINGIFY(x) KAFKAC_VERSION_STRINGIFY_(x)
/* "0.1.0" */
#define KAFKAC_VERSION_STR                                                                  \
    KAFKAC_VERSION_STRINGIFY(KAFKAC_VERSION_MAJOR) "." KAFKAC_VERSION_STRINGIFY(KAFKAC_VERSION_MINOR) \
    "." KAFKAC_VERSION_STRINGIFY(KAFKAC_VERSION_PATCH)

/* The loaded library's KAFKAC_VERSION_NUM and KAFKAC_VERSION_STR (static
 * storage). */
KAFKAC_API int kafkac_version(void);
KAFKAC_API const char *kafkac_version_str(void);

#ifdef __cplusplus
}
#endif
#endif
