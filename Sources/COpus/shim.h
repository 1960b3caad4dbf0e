#ifndef PROMPTC_COPUS_SHIM_H
#define PROMPTC_COPUS_SHIM_H
#include <opus/opus.h>
#endif
