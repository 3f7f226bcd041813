/*
 * testutil.h - what every cmocka test file includes first.
 *
 * cmocka.h needs these standard headers before it; keeping them in one
 * place keeps each test file about its module.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#endif
