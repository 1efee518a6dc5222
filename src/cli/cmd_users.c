/* kafkac users list|describe|set-scram|delete-scram: SCRAM credentials
 * (KIP-554).
 *
 * Why a command of its own rather than kafka-configs' form (`configs alter
 * --entity-type users --add-config 'SCRAM-SHA-256=[password=...]'`): that
 * form puts the password on the command line, where `ps`, /proc and the
 * shell's history see it.  Here the password comes from a prompt with echo
 * off, from stdin, or from an environment variable, is never printed, and
 * is wiped once salted.  It also hides a KRaft rule: one change per user
 * per request, so setting both mechanisms takes two requests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_admin.h"

#define MAX_ITEMS 64
#define MAX_PASSWORD 1024

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kafkac users list\n"
            "       kafkac users describe -u USER...\n"
            "       kafkac users set-scram -u USER [-m MECHANISM] [-i ITERATIONS]\n"
            "                              [--password-stdin | --password-env VAR]\n"
            "       kafkac users delete-scram -u USER [-m MECHANISM]\n"
            "MECHANISM: SCRAM-SHA-256, SCRAM-SHA-512 or all (the default: both for\n"
            "set-scram, every one the user has for delete-scram).  ITERATIONS: 4096\n"
            "(the default) to 16384.  set-scram asks for the password on the terminal\n"
            "(twice, echo off) unless --password-stdin (the first line of stdin) or\n"
            "--password-env VAR (the variable's value) says otherwise; the password is\n"
            "salted and hashed here, and only the result is sent.\n"
            "common options:\n" KC_CLI_ADMIN_OPTS_HELP);
}

enum { O_PW_STDIN = 1000, O_PW_ENV };

static const struct option longopts[] = {
    { "user", required_argument, NULL, 'u' },
    { "mechanism", required_argument, NULL, 'm' },
    { "iterations", required_argument, NULL, 'i' },
    { "password-stdin", no_argument, NULL, O_PW_STDIN },
    { "password-env", required_argument, NULL, O_PW_ENV },
    { "bootstrap-server", required_argument, NULL, 'b' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

typedef struct args {
    const char *users[MAX_ITEMS];
    int nusers;
    kafkac_scram_mechanism_t mech;   /* UNKNOWN: all */
    int32_t iterations;
    int pw_stdin;
    const char *pw_env;
} args_t;

static void print_users(const kafkac_scram_users_t *u, int *failed, const char *cmd)
{
    for (int i = 0; i < kafkac_scram_users_count(u); i++) {
        const kafkac_scram_user_t *su = kafkac_scram_users_get(u, i);
        const char *name = kafkac_scram_user_name(su);
        kafkac_err_t e = kafkac_scram_user_error(su);
        if (e) {
            fprintf(stderr, "%s: %s: %s: %s\n", cmd, name, kafkac_err_name(e), kafkac_scram_user_message(su));
            (*failed)++;
            continue;
        }
        for (int j = 0; j < kafkac_scram_user_credential_count(su); j++)
            printf("%-30s %-14s %d\n", name, kafkac_scram_mechanism_name(kafkac_scram_user_mechanism(su, j)),
                   (int)kafkac_scram_user_iterations(su, j));
    }
}

static int do_list_or_describe(kc_cli_admin_t *c, kafkac_admin_t *adm, const args_t *a, int describe)
{
    char err[512];
    if (describe && !a->nusers) {
        fprintf(stderr, "%s: give -u USER\n", c->cmd);
        return 2;
    }
    kafkac_scram_users_t *u;
    kafkac_err_t e = kafkac_admin_describe_user_scram_credentials(adm, describe ? a->users : NULL,
                                                                  describe ? a->nusers : 0, c->timeout_ms, &u, err,
                                                                  sizeof err);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int failed = 0;
    printf("%-30s %-14s %s\n", "USER", "MECHANISM", "ITERATIONS");
    print_users(u, &failed, c->cmd);
    kafkac_scram_users_destroy(u);
    return failed ? 1 : 0;
}

static int do_list(kc_cli_admin_t *c, kafkac_admin_t *adm, const args_t *a)
{
    return do_list_or_describe(c, adm, a, 0);
}

static int do_describe(kc_cli_admin_t *c, kafkac_admin_t *adm, const args_t *a)
{
    return do_list_or_describe(c, adm, a, 1);
}

/* Reads one line into buf (without its newline) from f.  On a terminal
 * (prompt not NULL): echo goes off first, and only then is the prompt
 * written, so that the flush of pending input (TCSAFLUSH) can only drop
 * what was typed before the question; echo comes back without discarding
 * anything.  0, or -1 at end of input or if the line is too long. */
static int read_line(FILE *f, const char *prompt, char *buf, size_t size)
{
    struct termios old, quiet;
    int restore = 0;
    if (prompt && tcgetattr(fileno(f), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        quiet.c_lflag |= ECHONL;
        restore = tcsetattr(fileno(f), TCSAFLUSH, &quiet) == 0;
    }
    if (prompt) {
        fputs(prompt, f);
        fflush(f);
    }
    char *got = fgets(buf, (int)size, f);
    if (restore)
        tcsetattr(fileno(f), TCSADRAIN, &old);
    if (!got)
        return -1;
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == size - 1)
        return -1;   /* no newline and buffer full: too long */
    buf[n] = '\0';
    return 0;
}

/* The password of set-scram into pw (MAX_PASSWORD bytes).  0, or 2 after
 * printing why. */
static int get_password(const kc_cli_admin_t *c, const args_t *a, const char *user, char *pw)
{
    if (a->pw_env) {
        const char *v = getenv(a->pw_env);
        if (!v || !*v) {
            fprintf(stderr, "%s: $%s is not set or empty\n", c->cmd, a->pw_env);
            return 2;
        }
        if (strlen(v) >= MAX_PASSWORD) {
            fprintf(stderr, "%s: the password in $%s is too long\n", c->cmd, a->pw_env);
            return 2;
        }
        strcpy(pw, v);
        return 0;
    }
    if (a->pw_stdin) {
        if (read_line(stdin, NULL, pw, MAX_PASSWORD) || !*pw) {
            fprintf(stderr, "%s: no password on stdin (or longer than %d bytes)\n", c->cmd, MAX_PASSWORD - 1);
            return 2;
        }
        return 0;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty) {
        fprintf(stderr, "%s: no terminal to ask for the password: use --password-stdin or --password-env VAR\n",
                c->cmd);
        return 2;
    }
    char again[MAX_PASSWORD], prompt[300];
    int rc = 2;
    snprintf(prompt, sizeof prompt, "Password for %s: ", user);
    if (read_line(tty, prompt, pw, MAX_PASSWORD) || !*pw) {
        fprintf(stderr, "%s: no password given\n", c->cmd);
        goto out;
    }
    if (read_line(tty, "Again: ", again, sizeof again) || strcmp(pw, again) != 0) {
        fprintf(stderr, "%s: the passwords differ\n", c->cmd);
        goto out;
    }
    rc = 0;
out:
    explicit_bzero(again, sizeof again);
    fclose(tty);
    return rc;
}

/* One alteration per call: KRaft refuses two changes of a user in one
 * request.  Sets user's credential for mech when pw is given, else deletes
 * it; prints the outcome; returns 0 or 1. */
static int alter_one(kc_cli_admin_t *c, kafkac_admin_t *adm, const char *user, kafkac_scram_mechanism_t mech,
                     int32_t iterations, const char *pw)
{
    char err[512];
    kafkac_scram_alteration_t *alt = pw ? kafkac_scram_upsertion_new(user, mech, iterations, pw)
                                        : kafkac_scram_deletion_new(user, mech);
    if (!alt) {
        fprintf(stderr, "%s: %s: cannot make the change (mechanism %s; or out of memory, or no random bytes)\n",
                c->cmd, user, kafkac_scram_mechanism_name(mech));
        return 1;
    }
    kafkac_admin_result_t *r;
    kafkac_err_t e = kafkac_admin_alter_user_scram_credentials(adm, (const kafkac_scram_alteration_t *const[]){ alt },
                                                               1, c->timeout_ms, &r, err, sizeof err);
    kafkac_scram_alteration_destroy(alt);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int failed = kc_cli_admin_report(c, r);
    if (!failed)
        printf("%s %s credential of %s.\n", pw ? "Set" : "Deleted", kafkac_scram_mechanism_name(mech), user);
    kafkac_admin_result_destroy(r);
    return failed ? 1 : 0;
}

static int do_set(kc_cli_admin_t *c, kafkac_admin_t *adm, const args_t *a)
{
    if (a->nusers != 1) {
        fprintf(stderr, "%s: give one -u USER\n", c->cmd);
        return 2;
    }
    char pw[MAX_PASSWORD];
    int rc = get_password(c, a, a->users[0], pw);
    if (rc)
        goto out;
    kafkac_scram_mechanism_t mechs[2] = { KAFKAC_SCRAM_SHA_256, KAFKAC_SCRAM_SHA_512 };
    int n = 2;
    if (a->mech) {
        mechs[0] = a->mech;
        n = 1;
    }
    for (int i = 0; i < n && !rc; i++)
        rc = alter_one(c, adm, a->users[0], mechs[i], a->iterations, pw);
out:
    explicit_bzero(pw, sizeof pw);
    return rc;
}

static int do_delete(kc_cli_admin_t *c, kafkac_admin_t *adm, const args_t *a)
{
    char err[512];
    if (a->nusers != 1) {
        fprintf(stderr, "%s: give one -u USER\n", c->cmd);
        return 2;
    }
    if (a->mech)
        return alter_one(c, adm, a->users[0], a->mech, 0, NULL);
    /* Every mechanism the user has. */
    kafkac_scram_users_t *u;
    kafkac_err_t e = kafkac_admin_describe_user_scram_credentials(adm, a->users, 1, c->timeout_ms, &u, err,
                                                                  sizeof err);
    if (e)
        return kc_cli_admin_fail(c, e, err);
    int rc = 0;
    const kafkac_scram_user_t *su = kafkac_scram_users_get(u, 0);
    e = kafkac_scram_user_error(su);
    if (kafkac_scram_users_count(u) != 1 || e) {
        fprintf(stderr, "%s: %s: %s: %s\n", c->cmd, a->users[0],
                kafkac_err_name(e ? e : KAFKAC_ERR_RESOURCE_NOT_FOUND),
                e ? kafkac_scram_user_message(su) : "no SCRAM credentials");
        rc = 1;
    }
    for (int j = 0; !rc && j < kafkac_scram_user_credential_count(su); j++)
        rc = alter_one(c, adm, a->users[0], kafkac_scram_user_mechanism(su, j), 0, NULL);
    kafkac_scram_users_destroy(u);
    return rc;
}

int kc_cli_users(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    static const struct { const char *name; int (*fn)(kc_cli_admin_t *, kafkac_admin_t *, const args_t *); } subs[] = {
        { "list", do_list }, { "describe", do_describe }, { "set-scram", do_set }, { "delete-scram", do_delete },
    };
    int (*fn)(kc_cli_admin_t *, kafkac_admin_t *, const args_t *) = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(sub, subs[i].name))
            fn = subs[i].fn;
    if (!fn) {
        fprintf(stderr, "kafkac users: unknown subcommand '%s'\n", sub);
        usage(stderr);
        return 2;
    }
    char cmdname[64];
    snprintf(cmdname, sizeof cmdname, "kafkac users %s", sub);
    kc_cli_admin_t c;
    if (kc_cli_admin_init(&c, cmdname))
        return 2;
    args_t a;
    memset(&a, 0, sizeof a);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "u:m:i:b:X:T:h", longopts, NULL)) != -1) {
        int h = kc_cli_admin_opt(&c, opt, optarg);
        if (h < 0)
            goto bad;
        if (h)
            continue;
        switch (opt) {
        case 'u':
            if (a.nusers < MAX_ITEMS)
                a.users[a.nusers++] = optarg;
            break;
        case 'm':
            if (strcasecmp(optarg, "all") != 0) {
                a.mech = kafkac_scram_mechanism_parse(optarg);
                if (!a.mech) {
                    fprintf(stderr, "%s: -m: SCRAM-SHA-256, SCRAM-SHA-512 or all, not '%s'\n", cmdname, optarg);
                    goto bad;
                }
            }
            break;
        case 'i':
            a.iterations = atoi(optarg);
            if (a.iterations <= 0) {
                fprintf(stderr, "%s: -i needs a positive number\n", cmdname);
                goto bad;
            }
            break;
        case O_PW_STDIN:
            a.pw_stdin = 1;
            break;
        case O_PW_ENV:
            a.pw_env = optarg;
            break;
        case 'h':
            usage(stdout);
            kc_cli_admin_free(&c);
            return 0;
        default:
            usage(stderr);
            goto bad;
        }
    }
    if (optind + 1 < argc) {
        /* Not repeated: it may well be a password typed in the wrong place. */
        fprintf(stderr, "%s: unexpected argument (a password is never an argument: see -h)\n", cmdname);
        goto bad;
    }
    kafkac_admin_t *adm = kc_cli_admin_open(&c);
    if (!adm)
        goto bad;
    int rc = fn(&c, adm, &a);
    kafkac_admin_destroy(adm);
    kc_cli_admin_free(&c);
    return rc;
bad:
    kc_cli_admin_free(&c);
    return 2;
}
