#ifndef MGIT_CCRYPTO_SHIM_H
#define MGIT_CCRYPTO_SHIM_H
#include <openssl/sha.h>
#endif
