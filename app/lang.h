/*
 * lang.h - the language archsim loads: every kind of models/, the
 * workload kind, and the program's own top-level sections (`capacity:`).
 *
 * The commands hand it to the loader (load.h), as Lua's host opens the libraries
 * it wants; so do the tests that load scenarios as archsim does.
 */
#ifndef APP_LANG_H
#define APP_LANG_H

#include "sim/load.h"

extern const struct load_lang archsim_lang;

#endif
