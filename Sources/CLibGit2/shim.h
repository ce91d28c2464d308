#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call. */
static inline int kvctl_git_set_ssl_cert_file(const char *file) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, (const char *)0);
}
