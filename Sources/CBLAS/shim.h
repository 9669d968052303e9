#ifndef MGIT_CBLAS_SHIM_H
#define MGIT_CBLAS_SHIM_H
#include <cblas.h>
#endif
