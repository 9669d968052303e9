#ifndef MGIT_CCRYPTO_SHIM_H
#define MGIT_CCRYPTO_SHIM_H
/* SHA1_Init/Update/Final keep their state in a plain struct (SHA_CTX) that the pack writer copies by value to
 * fork a running checksum; OpenSSL 3 deprecates them in favour of EVP's heap contexts. Declare the 1.1.1 API so
 * they stay available without deprecation warnings. */
#define OPENSSL_API_COMPAT 10101
#include <openssl/sha.h>
#endif
