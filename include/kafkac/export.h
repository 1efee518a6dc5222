/* libkafkac: symbol visibility and stability marks.
 *
 * The library is built with -fvisibility=hidden; only functions marked
 * KAFKAC_API or KAFKAC_API_EXPERIMENTAL are exported.
 *
 * Stability (docs/API.md says it in full): every KAFKAC_API function is
 * stable from 1.0 on: within a major version it keeps its name, its
 * arguments and its meaning, and a program built against an older 1.x
 * runs against a newer one.  A KAFKAC_API_EXPERIMENTAL function may still
 * change or go in a minor release; its header says why it is not settled.
 * A stable function that is to go is first marked KAFKAC_DEPRECATED, with
 * what to use instead, for at least one minor release. */
#ifndef KAFKAC_EXPORT_H
#define KAFKAC_EXPORT_H
#if defined(__GNUC__) || defined(__clang__)
#define KAFKAC_API __attribute__((visibility("default")))
#define KAFKAC_DEPRECATED(what_instead) __attribute__((deprecated(what_instead)))
#else
#define KAFKAC_API
#define KAFKAC_DEPRECATED(what_instead)
#endif
/* Exported like KAFKAC_API, outside the 1.0 promise. */
#define KAFKAC_API_EXPERIMENTAL KAFKAC_API
#endif
