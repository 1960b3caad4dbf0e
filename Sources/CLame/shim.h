#ifndef PROMPTC_CLAME_SHIM_H
#define PROMPTC_CLAME_SHIM_H
#include <lame/lame.h>
#endif
