/* The group coordinator's subscription: the topic names and ^regex
 * patterns given to subscribe, the topics they mean in each metadata
 * snapshot, watching subscribed topics that do not exist (yet), and
 * noticing when the assignment was made for other topics or partition
 * counts than the subscription now means.  subscribe, unsubscribe and
 * the getters take co->lock themselves (application threads); the
 * kc_co_ functions run under it, kc_co_subscription_serve on the I/O
 * thread (coordinator.c's service calls it each turn). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/errstr.h"
#include "common/mem.h"
#include "consumer/coordinator.h"
#include "consumer/membership_848.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strv(char **v, int n)
{
    for (int i = 0; i < n; i++)
        kc_free(v[i]);
    kc_free(v);
}

static void free_sub(kc_coordinator_t *co)
{
    kc_free(co->sub_reported);
    co->sub_reported = NULL;
    kc_free(co->sub_unknown_since);
    co->sub_unknown_since = NULL;
    for (int i = 0; i < co->nsub; i++)
        if (co->is_re && co->is_re[i])
            regfree(&co->re[i]);
    free_strv(co->sub, co->nsub);
    kc_free(co->re);
    kc_free(co->is_re);
    co->sub = NULL;
    co->re = NULL;
    co->is_re = NULL;
    co->nsub = 0;
}

static int has_patterns(const kc_coordinator_t *co)
{
    for (int i = 0; i < co->nsub; i++)
        if (co->is_re[i])
            return 1;
    return 0;
}

/* The topics the subscription means in this snapshot: the plain names,
 * plus every topic a pattern matches.  Sorted, no duplicates.  Returns
 * the count, or -1 on out of memory. */
static int resolve_topics(kc_coordinator_t *co, const kc_cluster_t *cl, char ***out)
{
    int cap = co->nsub + (cl ? cl->topic_count : 0), n = 0;
    char **v = kc_calloc(cap ? (size_t)cap : 1, sizeof(char *));
    if (!v)
        return -1;
    for (int i = 0; i < co->nsub; i++)
        if (!co->is_re[i] && !(v[n++] = kc_strdup(co->sub[i])))
            goto oom;
    for (int t = 0; cl && t < cl->topic_count; t++) {
        const kc_topic_info_t *ti = &cl->topics[t];
        if (ti->err || (ti->internal && co->s->exclude_internal_topics))
            continue;
        for (int i = 0; i < co->nsub; i++)
            if (co->is_re[i] && regexec(&co->re[i], ti->name, 0, NULL, 0) == 0) {
                if (!(v[n++] = kc_strdup(ti->name)))
                    goto oom;
                break;
            }
    }
    qsort(v, (size_t)n, sizeof(char *), cmp_str);
    int w = 0;
    for (int i = 0; i < n; i++) {
        if (w > 0 && strcmp(v[w - 1], v[i]) == 0)
            kc_free(v[i]);
        else
            v[w++] = v[i];
    }
    *out = v;
    return w;
oom:
    free_strv(v, n);
    return -1;
}

static int same_topics(char **a, int na, char **b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

static int32_t partition_count(const kc_cluster_t *cl, const char *topic)
{
    const kc_topic_info_t *t = kc_cluster_topic(cl, topic);
    return t && !t->err ? t->partition_count : 0;
}

static void forget_joined(kc_coordinator_t *co)
{
    free_strv(co->joined_topics, co->njoined > 0 ? co->njoined : 0);
    kc_free(co->joined_parts);
    co->joined_topics = NULL;
    co->joined_parts = NULL;
    co->njoined = -1;
}

/* Under co->lock, on a new metadata snapshot: what the patterns match now. */
static void follow_metadata(kc_coordinator_t *co, const kc_cluster_t *cl)
{
    co->md_seen = cl->version;
    if (!has_patterns(co))
        return;
    char **v;
    int n = resolve_topics(co, cl, &v);
    if (n < 0)
        return;
    if (same_topics(v, n, co->topics, co->ntopics)) {
        free_strv(v, n);
        return;
    }
    free_strv(co->topics, co->ntopics);
    co->topics = v;
    co->ntopics = n;
    kc_log(co->log, KAFKAC_LOG_INFO, "cgrp", "group %s: subscription now matches %d topic(s)", co->s->group_id, n);
}

/* Metadata errors of a topic that poll reports: they do not heal by
 * waiting (UNKNOWN_TOPIC_OR_PARTITION: until someone creates it). */
static int reported_topic_error(int err)
{
    return err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION || err == KAFKAC_ERR_TOPIC_AUTHORIZATION_FAILED ||
           err == KAFKAC_ERR_INVALID_TOPIC_EXCEPTION;
}

/* Under co->lock, every service turn while subscribed: the subscribed
 * names that metadata does not show with partitions yet.
 *  - A topic being created (LEADER_NOT_AVAILABLE, or not in the snapshot
 *    yet, or UNKNOWN_TOPIC_OR_PARTITION while it may be auto-created) is
 *    asked about again after retry.backoff.ms, doubling up to
 *    retry.backoff.max.ms, instead of at metadata.max.age.ms: until then
 *    the group's assignment would give it no partitions.
 *  - An error that waiting does not heal reaches poll, once per topic (again
 *    only after the topic was seen fine): librdkafka's users expect one
 *    UNKNOWN_TOPIC_OR_PARTITION for a missing topic, Java's an
 *    InvalidTopicException or TopicAuthorizationException. */
static void watch_topics(kc_coordinator_t *co, const kc_cluster_t *cl, int64_t now, int new_md)
{
    int pending = 0;
    if (!co->sub_reported || !co->sub_unknown_since)
        return;   /* out of memory at subscribe */
    for (int i = 0; i < co->nsub; i++) {
        if (co->is_re[i])
            continue;
        const kc_topic_info_t *ti = kc_cluster_topic(cl, co->sub[i]);
        int err = ti ? ti->err : 0;
        if (ti && !err && ti->partition_count > 0) {
            co->sub_reported[i] = 0;
            co->sub_unknown_since[i] = 0;
            continue;
        }
        if (err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION) {
            if (!co->sub_unknown_since[i])
                co->sub_unknown_since[i] = now;
            /* With auto-creation the broker first answers UNKNOWN while
             * it creates the topic: only one still unknown after a while
             * was refused. */
            if (co->s->allow_auto_create_topics && now - co->sub_unknown_since[i] < KC_AUTO_CREATE_GRACE_MS) {
                pending = 1;
                continue;
            }
        }
        if (!ti || err == KAFKAC_ERR_LEADER_NOT_AVAILABLE || err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION ||
            (ti && !err))
            pending = 1;
        if (ti && reported_topic_error(err) && co->sub_reported[i] != err && cl->version > co->sub_md_version) {
            co->sub_reported[i] = (int16_t)err;
            char msg[512];
            snprintf(msg, sizeof msg, "subscribed topic \"%s\": %s%s", co->sub[i], kafkac_err_str(err),
                     err == KAFKAC_ERR_UNKNOWN_TOPIC_OR_PARTITION ? " (waiting for it to be created)" : "");
            kc_log(co->log, KAFKAC_LOG_WARNING, "cgrp", "group %s: %s", co->s->group_id, msg);
            kc_consumer_post_error(co->c, (kafkac_err_t)err, msg);
        }
    }
    if (!pending) {
        co->md_retry_backoff = 0;
        co->md_retry_at = 0;
        return;
    }
    if (co->md_retry_at && now < co->md_retry_at)
        return;
    int64_t base = co->s->retry_backoff_ms > 0 ? co->s->retry_backoff_ms : 100;
    int64_t cap = co->s->retry_backoff_max_ms > base ? co->s->retry_backoff_max_ms : base;
    if (co->md_retry_at) {
        kc_net_refresh_metadata(co->net, "a subscribed topic has no partitions in metadata yet");
        co->md_retry_backoff = co->md_retry_backoff ? co->md_retry_backoff * 2 : base;
        if (co->md_retry_backoff > cap)
            co->md_retry_backoff = cap;
    } else {
        co->md_retry_backoff = base;   /* the first answer may be on its way */
    }
    co->md_retry_at = now + co->md_retry_backoff;
}

/* Under co->lock, while stable: an assignment made for other topics than
 * the subscription means now, or for other partition counts, is out of
 * date: rejoin (Java's ConsumerCoordinator compares its joined
 * subscription and metadata snapshot the same way).  Checked on every
 * turn, not only when the metadata changes, because the topics can change
 * while a JoinGroup is in flight: that join carries the old list, and the
 * generation it ends in is already out of date when it becomes stable. */
static void check_joined(kc_coordinator_t *co, const kc_cluster_t *cl)
{
    if (co->state != KC_CO_STABLE || co->njoined < 0)
        return;
    if (!same_topics(co->topics, co->ntopics, co->joined_topics, co->njoined)) {
        kc_co_request_rejoin(co, 0, "the subscription matches other topics than the group's assignment was made for");
        return;
    }
    for (int i = 0; i < co->ntopics; i++)
        if (partition_count(cl, co->topics[i]) != co->joined_parts[i]) {
            kc_co_request_rejoin(co, 0, "a subscribed topic's partitions changed");
            return;
        }
}

int kc_co_note_joined_topics(kc_coordinator_t *co)
{
    size_t n = co->ntopics ? (size_t)co->ntopics : 1;
    char **names = kc_calloc(n, sizeof(char *));
    int32_t *parts = kc_calloc(n, sizeof(int32_t));
    int i = 0;
    kc_cluster_t *cl = kc_net_cluster(co->net);
    for (; names && parts && i < co->ntopics; i++) {
        if (!(names[i] = kc_strdup(co->topics[i])))
            break;
        parts[i] = partition_count(cl, co->topics[i]);
    }
    kc_cluster_unref(cl);
    if (!names || !parts || i < co->ntopics) {
        free_strv(names, i);
        kc_free(parts);
        return KAFKAC_ERR_NO_MEMORY;
    }
    forget_joined(co);
    co->joined_topics = names;
    co->joined_parts = parts;
    co->njoined = co->ntopics;
    return 0;
}

/* Kafka's rule for topic names (Topic.validate): 1 to 249 characters of
 * [a-zA-Z0-9._-], and not "." or "..".  Returns 0 or writes why. */
static int topic_name_invalid(const char *name, char *why, size_t whylen)
{
    size_t n = strlen(name);
    if (n == 0 || n > 249) {
        snprintf(why, whylen, "is %zu characters long (1 to 249 allowed)", n);
        return 1;
    }
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        snprintf(why, whylen, "cannot be \".\" or \"..\"");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '_' || ch == '-')) {
            if (ch >= 0x20 && ch < 0x7f)
                snprintf(why, whylen, "contains '%c' (only a-z, A-Z, 0-9, '.', '_' and '-' are allowed)", ch);
            else
                snprintf(why, whylen, "contains byte 0x%02x (only a-z, A-Z, 0-9, '.', '_' and '-' are allowed)", ch);
            return 1;
        }
    }
    return 0;
}

kafkac_err_t kc_coordinator_subscribe(kc_coordinator_t *co, const char *const *topics, int count, char *errstr,
                                      size_t errstr_size)
{
    if (!topics || count <= 0) {
        kc_errstr_set(errstr, errstr_size, "subscribe needs at least one topic");
        return KAFKAC_ERR_INVALID_ARG;
    }
    char **sub = kc_calloc((size_t)count, sizeof(char *));
    regex_t *re = kc_calloc((size_t)count, sizeof(regex_t));
    int *is_re = kc_calloc((size_t)count, sizeof(int));
    kafkac_err_t err = (sub && re && is_re) ? 0 : KAFKAC_ERR_NO_MEMORY;
    int n = 0, posix_bad = 0, names = 0;
    for (; n < count && !err; n++) {
        if (!topics[n] || !topics[n][0]) {
            kc_errstr_set(errstr, errstr_size, "subscribe: topic %d is empty", n);
            err = KAFKAC_ERR_INVALID_ARG;
            break;
        }
        char why[128];
        if (topics[n][0] != '^' && topic_name_invalid(topics[n], why, sizeof why)) {
            /* Kafka would refuse it (InvalidTopicException): say so now
             * rather than wait for a topic that cannot exist. */
            kc_errstr_set(errstr, errstr_size, "subscribe: \"%s\" is not a valid topic name: it %s", topics[n], why);
            err = KAFKAC_ERR_INVALID_TOPIC_EXCEPTION;
            break;
        }
        if (!(sub[n] = kc_strdup(topics[n]))) {
            err = KAFKAC_ERR_NO_MEMORY;
            break;
        }
        if (topics[n][0] == '^') {
            int rc = regcomp(&re[n], topics[n], REG_EXTENDED | REG_NOSUB);
            if (rc != 0 && co->m848) {
                /* KIP-848: the broker evaluates a subscription of patterns
                 * (RE2J syntax, membership_848.c), so one POSIX does not
                 * know is fine; here it matches nothing.  Mixed with names
                 * it would be resolved here: refused below. */
                posix_bad = n + 1;
                rc = regcomp(&re[n], "a^", REG_EXTENDED | REG_NOSUB);
            }
            if (rc != 0) {
                regerror(rc, &re[n], why, sizeof why);
                kc_errstr_set(errstr, errstr_size, "subscribe: bad regular expression \"%s\": %s", topics[n], why);
                err = KAFKAC_ERR_INVALID_ARG;
                n++;  /* sub[n] is set; free it below */
                break;
            }
            is_re[n] = 1;
        } else {
            names++;
        }
    }
    if (!err && posix_bad && names) {
        kc_errstr_set(errstr, errstr_size,
                      "subscribe: \"%s\" is not a POSIX regular expression; with group.protocol=consumer a "
                      "subscription of patterns only goes to the broker (RE2J syntax), but mixed with topic names "
                      "the patterns are matched here",
                      topics[posix_bad - 1]);
        err = KAFKAC_ERR_INVALID_ARG;
    }
    if (err) {
        for (int i = 0; i < n; i++) {
            if (is_re && is_re[i])
                regfree(&re[i]);
            if (sub)
                kc_free(sub[i]);
        }
        kc_free(sub);
        kc_free(re);
        kc_free(is_re);
        if (err == KAFKAC_ERR_NO_MEMORY)
            kc_errstr_set(errstr, errstr_size, "out of memory");
        return err;
    }

    pthread_mutex_lock(&co->lock);
    if (co->closing || co->closed) {
        pthread_mutex_unlock(&co->lock);
        for (int i = 0; i < count; i++) {
            if (is_re[i])
                regfree(&re[i]);
            kc_free(sub[i]);
        }
        kc_free(sub);
        kc_free(re);
        kc_free(is_re);
        kc_errstr_set(errstr, errstr_size, "the consumer is closing");
        return KAFKAC_ERR_STATE;
    }
    free_sub(co);
    co->sub = sub;
    co->re = re;
    co->is_re = is_re;
    co->nsub = count;
    co->sub_reported = kc_calloc((size_t)count, sizeof(int16_t));
    co->sub_unknown_since = kc_calloc((size_t)count, sizeof(int64_t));
    co->md_retry_at = 0;
    co->md_retry_backoff = 0;
    kc_cluster_t *cl = kc_net_cluster(co->net);
    char **v;
    int nt = resolve_topics(co, has_patterns(co) ? cl : NULL, &v);
    co->sub_md_version = cl->version;
    co->md_seen = cl->version;
    kc_cluster_unref(cl);
    if (nt < 0) {
        pthread_mutex_unlock(&co->lock);
        kc_errstr_set(errstr, errstr_size, "out of memory");
        return KAFKAC_ERR_NO_MEMORY;
    }
    int changed = !co->subscribed || !same_topics(v, nt, co->topics, co->ntopics);
    free_strv(co->topics, co->ntopics);
    co->topics = v;
    co->ntopics = nt;
    int was = co->subscribed;
    co->subscribed = 1;
    if (!was)
        co->state = KC_CO_UNJOINED;
    else if (changed)
        kc_co_request_rejoin(co, 0, "the subscription changed");
    int patterns = has_patterns(co);
    pthread_mutex_unlock(&co->lock);

    if (patterns) {
        kc_net_want_topics(co->net, NULL, 0, 1);
    } else {
        kc_net_want_topics(co->net, topics, count, 0);
    }
    kc_net_refresh_metadata(co->net, "subscribe");
    kc_net_wakeup(co->net);
    return 0;
}

kafkac_err_t kc_coordinator_unsubscribe(kc_coordinator_t *co)
{
    pthread_mutex_lock(&co->lock);
    int was = co->subscribed;
    co->closing++;  /* no joins while we revoke */
    pthread_mutex_unlock(&co->lock);
    if (!was) {
        pthread_mutex_lock(&co->lock);
        co->closing--;
        pthread_mutex_unlock(&co->lock);
        return 0;
    }
    char why[256];
    kc_co_revoke_all(co, 0, kc_now_ms() + co->s->default_api_timeout_ms, why, sizeof why);
    kc_co_leave_group(co, "the consumer unsubscribed", 0);
    pthread_mutex_lock(&co->lock);
    co->closing--;
    co->subscribed = 0;
    free_sub(co);
    free_strv(co->topics, co->ntopics);
    co->topics = NULL;
    co->ntopics = 0;
    forget_joined(co);
    kc_co_reset_member(co, 1);
    co->state = KC_CO_UNJOINED;
    pthread_mutex_unlock(&co->lock);
    return 0;
}

kafkac_err_t kc_coordinator_subscription(kc_coordinator_t *co, kafkac_topic_partition_list_t **out)
{
    pthread_mutex_lock(&co->lock);
    kafkac_topic_partition_list_t *l = kafkac_tpl_new(co->nsub);
    for (int i = 0; l && co->subscribed && i < co->nsub; i++)
        if (!kafkac_tpl_add(l, co->sub[i], -1)) {
            kafkac_tpl_destroy(l);
            l = NULL;
        }
    pthread_mutex_unlock(&co->lock);
    *out = l;
    return l ? 0 : KAFKAC_ERR_NO_MEMORY;
}

int kc_coordinator_subscribed(kc_coordinator_t *co)
{
    pthread_mutex_lock(&co->lock);
    int s = co->subscribed;
    pthread_mutex_unlock(&co->lock);
    return s;
}

kafkac_err_t kc_coordinator_generation(kc_coordinator_t *co, int32_t *generation, char *member_id,
                                       size_t member_id_size)
{
    pthread_mutex_lock(&co->lock);
    int stable = co->state == KC_CO_STABLE;
    if (generation)
        *generation = stable ? co->generation : -1;
    if (member_id && member_id_size)
        snprintf(member_id, member_id_size, "%s", stable ? co->member_id : "");
    pthread_mutex_unlock(&co->lock);
    return 0;
}

void kc_co_subscription_serve(kc_coordinator_t *co, int64_t now)
{
    kc_cluster_t *cl = kc_net_cluster(co->net);
    int new_md = cl->version != co->md_seen;
    if (new_md)
        follow_metadata(co, cl);
    watch_topics(co, cl, now, new_md);
    if (!co->m848)
        check_joined(co, cl);
    else if (new_md && has_patterns(co))
        kc_m848_heartbeat_now(co);   /* the patterns may match other topics now */
    kc_cluster_unref(cl);
}

int kc_co_has_patterns(const kc_coordinator_t *co)
{
    return has_patterns(co);
}

void kc_co_subscription_free(kc_coordinator_t *co)
{
    free_sub(co);
    free_strv(co->topics, co->ntopics);
    forget_joined(co);
}
