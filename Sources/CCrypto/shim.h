// OpenSSL's libcrypto (Debian's libssl-dev): SHA-256 for content keys, with the CPU's SHA extensions where it has them.
#include <openssl/evp.h>
