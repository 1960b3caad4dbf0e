#ifndef PROMPTC_CSPANDSP_SHIM_H
#define PROMPTC_CSPANDSP_SHIM_H
// Only spandsp's G.722 codec: spandsp.h would pull in libtiff's headers for fax.
#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#endif
