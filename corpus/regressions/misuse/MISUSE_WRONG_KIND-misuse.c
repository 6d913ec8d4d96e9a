/* Regression reproducer for fuzz target "misuse".
 * From MISUSE_WRONG_KIND-misuse, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target misuse, 476 ops
 * free_range #19610 255                # op 0
 * usable #48181                        # op 1
 * realloc #12471 c1690-1  # 303 bytes  # op 2
 * nop                                  # op 3
 * free #25174                          # op 4
 * shrink #46479 152                    # op 5
 * realloc #63077 170176                # op 6
 * realloc #40623 c262-1  # 3583 bytes  # op 7
 * malloc 6217                          # op 8
 * free_range #20382 144 step 8         # op 9
 * malloc t+34  # 4130 bytes            # op 10
 * check                                # op 11
 * malloc 860                           # op 12
 * stats                                # op 13
 * free #61515                          # op 14
 * realloc #41934 t-42  # 4054 bytes    # op 15
 * write #57544                         # op 16
 * nop                                  # op 17
 * free #59201                          # op 18
 * realloc #8725 t+53  # 4149 bytes     # op 19
 * free #49439                          # op 20
 * free #33288                          # op 21
 * nop                                  # op 22
 * write #64634                         # op 23
 * nop                                  # op 24
 * shrink #17892 68                     # op 25
 * free_range #38245 216 step 7         # op 26
 * nop                                  # op 27
 * nop                                  # op 28
 * realloc #26773 10146                 # op 29
 * calloc 22 x 508352  # 22 x 508352 bytes # op 30
 * nop                                  # op 31
 * stats                                # op 32
 * nop                                  # op 33
 * malloc c2638  # 3584 bytes           # op 34
 * free #6512                           # op 35
 * check                                # op 36
 * malloc c1078  # 368 bytes            # op 37
 * nop                                  # op 38
 * misuse write_before #11380           # op 39
 * stats                                # op 40
 * malloc c3373  # 480 bytes            # op 41
 * shrink #58045 127                    # op 42
 * check                                # op 43
 * realloc #6993 1039744                # op 44
 * misuse write_before #62354           # op 45
 * calloc ovf+5 x c3309-1  # 116017258325217311 x 159 bytes (overflow or impossible) # op 46
 * malloc t+26  # 4122 bytes            # op 47
 * memalign 8 t-7  # 4089 bytes         # op 48
 * usable #2615                         # op 49
 * free #8992                           # op 50
 * malloc 863872                        # op 51
 * shrink #56208 100                    # op 52
 * realloc #64589 380096                # op 53
 * realloc #60986 955840                # op 54
 * free #55753                          # op 55
 * free_range #54807 158 step 7         # op 56
 * malloc c1193-1  # 95 bytes           # op 57
 * realloc #51915 c3397  # 160 bytes    # op 58
 * write #21225                         # op 59
 * nop                                  # op 60
 * calloc ovf+20 x 725696  # 25419382322246 x 725696 bytes (overflow or impossible) # op 61
 * memalign 213 t-15  # 4081 bytes      # op 62
 * free_range #50062 188 step 7         # op 63
 * realloc #40307 955328                # op 64
 * write #166                           # op 65
 * check                                # op 66
 * free #9232                           # op 67
 * grow #49416 74                       # op 68
 * check                                # op 69
 * memalign 25 979776                   # op 70
 * free_range #65435 225 step 4         # op 71
 * stats                                # op 72
 * free_range #21784 125 step 7         # op 73
 * misuse write_before #19075           # op 74
 * grow #40081 143                      # op 75
 * write #40700                         # op 76
 * check                                # op 77
 * stats                                # op 78
 * write #13638                         # op 79
 * free_range #25946 39 step 2          # op 80
 * nop                                  # op 81
 * free #16567                          # op 82
 * malloc t+57  # 4153 bytes            # op 83
 * free #28166                          # op 84
 * nop                                  # op 85
 * free #26550                          # op 86
 * free_range #16503 223 step 7         # op 87
 * free #21002                          # op 88
 * misuse double_free #44402            # op 89
 * realloc #28815 t-13  # 4083 bytes    # op 90
 * check                                # op 91
 * calloc 61 x 275840  # 61 x 275840 bytes # op 92
 * write #57528                         # op 93
 * free #55334                          # op 94
 * free_range #59452 148 step 3         # op 95
 * misuse write_before #37254           # op 96
 * free #36294                          # op 97
 * free #25653                          # op 98
 * misuse foreign                       # op 99
 * realloc #22214 1923                  # op 100
 * alloc_many 27 244992                 # op 101
 * free #57233                          # op 102
 * free #829                            # op 103
 * write #43945                         # op 104
 * free #32287                          # op 105
 * realloc #58640 c2265  # 352 bytes    # op 106
 * malloc c3358  # 240 bytes            # op 107
 * realloc #54253 534272                # op 108
 * check                                # op 109
 * memalign 199 230592                  # op 110
 * malloc t+62  # 4158 bytes            # op 111
 * memalign 191 t+3  # 4099 bytes       # op 112
 * free_range #53469 108 step 7         # op 113
 * nop                                  # op 114
 * misuse interior #3671                # op 115
 * calloc 51 x t-11  # 51 x 4085 bytes  # op 116
 * malloc c270+1  # 113 bytes           # op 117
 * free #57608                          # op 118
 * usable #8733                         # op 119
 * free #398                            # op 120
 * write #36622                         # op 121
 * free #31561                          # op 122
 * malloc 347712                        # op 123
 * malloc t+34  # 4130 bytes            # op 124
 * misuse write_after #20009            # op 125
 * memalign 225 16128                   # op 126
 * calloc 53 x 896064  # 53 x 896064 bytes # op 127
 * realloc #21151 t+10  # 4106 bytes    # op 128
 * malloc c3428+1  # 2561 bytes         # op 129
 * malloc t-55  # 4041 bytes            # op 130
 * malloc c3982+1  # 369 bytes          # op 131
 * nop                                  # op 132
 * nop                                  # op 133
 * realloc #18214 c2918  # 240 bytes    # op 134
 * free #57820                          # op 135
 * calloc 43 x 885952  # 43 x 885952 bytes # op 136
 * free #44740                          # op 137
 * nop                                  # op 138
 * check                                # op 139
 * write #51438                         # op 140
 * write #17941                         # op 141
 * free #4572                           # op 142
 * check                                # op 143
 * grow #38488 206                      # op 144
 * stats                                # op 145
 * check                                # op 146
 * memalign 109 10242                   # op 147
 * calloc 52 x t+25  # 52 x 4121 bytes  # op 148
 * nop                                  # op 149
 * free #26089                          # op 150
 * misuse write_after #36223            # op 151
 * stats                                # op 152
 * calloc 41 x c498+1  # 41 x 241 bytes # op 153
 * realloc #25898 t+46  # 4142 bytes    # op 154
 * misuse interior #52123               # op 155
 * malloc 10079                         # op 156
 * check                                # op 157
 * malloc c3430+1  # 3585 bytes         # op 158
 * free #57783                          # op 159
 * shrink #55886 13                     # op 160
 * check                                # op 161
 * memalign 38 c309  # 32 bytes         # op 162
 * check                                # op 163
 * nop                                  # op 164
 * free_range #54062 105 step 3         # op 165
 * stats                                # op 166
 * free #54209                          # op 167
 * realloc #13291 t+30  # 4126 bytes    # op 168
 * realloc #48861 t-22  # 4074 bytes    # op 169
 * malloc c3374  # 496 bytes            # op 170
 * free #12362                          # op 171
 * realloc #46705 t+47  # 4143 bytes    # op 172
 * free #60660                          # op 173
 * alloc_many 172 t+50  # 4146 bytes    # op 174
 * write #65112                         # op 175
 * stats                                # op 176
 * realloc #52068 t+36  # 4132 bytes    # op 177
 * check                                # op 178
 * malloc 4149                          # op 179
 * misuse interior #46165               # op 180
 * malloc 652096                        # op 181
 * stats                                # op 182
 * memalign 157 t-14  # 4082 bytes      # op 183
 * alloc_many 5 t+56  # 4152 bytes      # op 184
 * malloc t+36  # 4132 bytes            # op 185
 * alloc_many 57 t+41  # 4137 bytes     # op 186
 * write #35916                         # op 187
 * realloc #7226 15395                  # op 188
 * free_range #50437 61 step 4          # op 189
 * write #27061                         # op 190
 * nop                                  # op 191
 * malloc 4521                          # op 192
 * realloc #13845 292096                # op 193
 * malloc t-49  # 4047 bytes            # op 194
 * write #54000                         # op 195
 * stats                                # op 196
 * free #20132                          # op 197
 * calloc 18 x c2383  # 18 x 128 bytes  # op 198
 * misuse write_after #49825            # op 199
 * alloc_many 189 c649  # 768 bytes     # op 200
 * realloc #14020 c3658  # 112 bytes    # op 201
 * realloc #7290 8136                   # op 202
 * free #2615                           # op 203
 * check                                # op 204
 * grow #15880 86                       # op 205
 * free #18997                          # op 206
 * write #55647                         # op 207
 * write #17206                         # op 208
 * write #25044                         # op 209
 * free #10665                          # op 210
 * alloc_many 190 453440                # op 211
 * malloc 1152                          # op 212
 * grow #10497 159                      # op 213
 * write #1106                          # op 214
 * write #59997                         # op 215
 * misuse foreign                       # op 216
 * stats                                # op 217
 * free #58156                          # op 218
 * free #8587                           # op 219
 * malloc 10722                         # op 220
 * check                                # op 221
 * free #45594                          # op 222
 * malloc t+26  # 4122 bytes            # op 223
 * calloc ovf+2 x 380160  # 48523632348776 x 380160 bytes (overflow or impossible) # op 224
 * malloc 258944                        # op 225
 * malloc 847424                        # op 226
 * free #58329                          # op 227
 * misuse write_after #43460            # op 228
 * nop                                  # op 229
 * free_range #28876 240 step 3         # op 230
 * calloc 63 x 16251  # 63 x 16251 bytes # op 231
 * realloc #45808 14484                 # op 232
 * realloc #60431 t-53  # 4043 bytes    # op 233
 * malloc c2646+1  # 113 bytes          # op 234
 * write #9525                          # op 235
 * stats                                # op 236
 * usable #31175                        # op 237
 * malloc c674  # 240 bytes             # op 238
 * malloc c847+1  # 193 bytes           # op 239
 * free #8872                           # op 240
 * nop                                  # op 241
 * malloc 751360                        # op 242
 * grow #55575 213                      # op 243
 * malloc 534016                        # op 244
 * stats                                # op 245
 * malloc 927424                        # op 246
 * free #39341                          # op 247
 * stats                                # op 248
 * free #50080                          # op 249
 * nop                                  # op 250
 * usable #32564                        # op 251
 * shrink #32533 133                    # op 252
 * malloc 137280                        # op 253
 * nop                                  # op 254
 * nop                                  # op 255
 * shrink #42319 37                     # op 256
 * realloc #11857 696960                # op 257
 * realloc #36625 8460                  # op 258
 * malloc t-42  # 4054 bytes            # op 259
 * realloc #8263 c1186+1  # 3585 bytes  # op 260
 * free #29831                          # op 261
 * shrink #40148 189                    # op 262
 * nop                                  # op 263
 * misuse interior #49238               # op 264
 * shrink #26956 119                    # op 265
 * free #48821                          # op 266
 * free_range #47974 5                  # op 267
 * calloc 20 x c2335  # 20 x 64 bytes   # op 268
 * nop                                  # op 269
 * nop                                  # op 270
 * grow #52517 184                      # op 271
 * write #38715                         # op 272
 * check                                # op 273
 * stats                                # op 274
 * malloc t-51  # 4045 bytes            # op 275
 * malloc 13979                         # op 276
 * realloc #29150 t+40  # 4136 bytes    # op 277
 * malloc 6426                          # op 278
 * malloc 4007                          # op 279
 * alloc_many 121 728704                # op 280
 * write #5372                          # op 281
 * check                                # op 282
 * write #62099                         # op 283
 * free #14547                          # op 284
 * stats                                # op 285
 * grow #35180 211                      # op 286
 * free #43441                          # op 287
 * free #32215                          # op 288
 * misuse foreign                       # op 289
 * calloc 39 x t+46  # 39 x 4142 bytes  # op 290
 * alloc_many 93 c1342  # 368 bytes     # op 291
 * check                                # op 292
 * malloc t+20  # 4116 bytes            # op 293
 * malloc 950656                        # op 294
 * calloc ovf+36 x t-56  # 4566025760819232 x 4040 bytes (overflow or impossible) # op 295
 * nop                                  # op 296
 * shrink #40026 238                    # op 297
 * calloc 6 x c2835+1  # 6 x 321 bytes  # op 298
 * stats                                # op 299
 * free #18338                          # op 300
 * write #13720                         # op 301
 * memalign 181 c1923  # 512 bytes      # op 302
 * alloc_many 4 7509                    # op 303
 * realloc #64968 c2646  # 112 bytes    # op 304
 * malloc t-41  # 4055 bytes            # op 305
 * misuse foreign                       # op 306
 * free_range #2868 221 step 8          # op 307
 * nop                                  # op 308
 * memalign 236 113728                  # op 309
 * grow #24233 18                       # op 310
 * grow #37449 256                      # op 311
 * free_range #30476 83 step 2          # op 312
 * stats                                # op 313
 * realloc #23902 524352                # op 314
 * nop                                  # op 315
 * calloc ovf+32 x c1631+1  # 283796062672454673 x 65 bytes (overflow or impossible) # op 316
 * calloc 21 x c1469+1  # 21 x 289 bytes # op 317
 * check                                # op 318
 * alloc_many 85 11689                  # op 319
 * usable #53078                        # op 320
 * free #17314                          # op 321
 * free #26838                          # op 322
 * malloc t+8  # 4104 bytes             # op 323
 * realloc #22263 t+51  # 4147 bytes    # op 324
 * free_range #15885 101 step 4         # op 325
 * shrink #34468 159                    # op 326
 * alloc_many 32 15594                  # op 327
 * calloc 48 x t+8  # 48 x 4104 bytes   # op 328
 * realloc #33064 984896                # op 329
 * check                                # op 330
 * grow #54252 104                      # op 331
 * nop                                  # op 332
 * memalign 43 9014                     # op 333
 * nop                                  # op 334
 * memalign 89 11432                    # op 335
 * malloc t+34  # 4130 bytes            # op 336
 * check                                # op 337
 * realloc #58783 190                   # op 338
 * realloc #48752 c1437-1  # 479 bytes  # op 339
 * malloc 10526                         # op 340
 * memalign 166 t+36  # 4132 bytes      # op 341
 * write #40609                         # op 342
 * free #45513                          # op 343
 * stats                                # op 344
 * free #25267                          # op 345
 * malloc 549248                        # op 346
 * check                                # op 347
 * calloc 35 x 391936  # 35 x 391936 bytes # op 348
 * realloc #62871 644                   # op 349
 * nop                                  # op 350
 * free #17787                          # op 351
 * malloc t-45  # 4051 bytes            # op 352
 * calloc ovf+14 x 585088  # 31528153155966 x 585088 bytes (overflow or impossible) # op 353
 * nop                                  # op 354
 * stats                                # op 355
 * nop                                  # op 356
 * nop                                  # op 357
 * malloc c1725+1  # 161 bytes          # op 358
 * usable #65249                        # op 359
 * realloc #26945 12948                 # op 360
 * grow #26331 94                       # op 361
 * memalign 128 16252                   # op 362
 * malloc c3641-1  # 767 bytes          # op 363
 * write #12775                         # op 364
 * nop                                  # op 365
 * malloc 16310                         # op 366
 * free #9119                           # op 367
 * malloc 924352                        # op 368
 * write #65317                         # op 369
 * realloc #59341 691712                # op 370
 * malloc t-53  # 4043 bytes            # op 371
 * write #35666                         # op 372
 * realloc #47189 297472                # op 373
 * free #57339                          # op 374
 * malloc 1370                          # op 375
 * realloc #47413 2300                  # op 376
 * calloc 41 x c1209+1  # 41 x 353 bytes # op 377
 * misuse foreign                       # op 378
 * malloc 461120                        # op 379
 * write #2623                          # op 380
 * realloc #32547 t+12  # 4108 bytes    # op 381
 * nop                                  # op 382
 * malloc 9167                          # op 383
 * alloc_many 106 t-11  # 4085 bytes    # op 384
 * realloc #9595 t+25  # 4121 bytes     # op 385
 * usable #62786                        # op 386
 * malloc 7016                          # op 387
 * check                                # op 388
 * malloc 232128                        # op 389
 * malloc 69696                         # op 390
 * calloc ovf+44 x t+9  # 4493725718321494 x 4105 bytes (overflow or impossible) # op 391
 * write #8796                          # op 392
 * calloc 12 x 3468  # 12 x 3468 bytes  # op 393
 * memalign 217 14479                   # op 394
 * write #37759                         # op 395
 * stats                                # op 396
 * write #53292                         # op 397
 * calloc 61 x c450+1  # 61 x 177 bytes # op 398
 * grow #49825 251                      # op 399
 * memalign 95 654848                   # op 400
 * stats                                # op 401
 * malloc 735808                        # op 402
 * nop                                  # op 403
 * alloc_many 230 2830                  # op 404
 * free #20888                          # op 405
 * free #36482                          # op 406
 * calloc 44 x c1070+1  # 44 x 241 bytes # op 407
 * free #355                            # op 408
 * free #40571                          # op 409
 * destroy                              # op 410
 * nop                                  # op 411
 * realloc #44972 12856                 # op 412
 * check                                # op 413
 * shrink #54080 19                     # op 414
 * free #13569                          # op 415
 * stats                                # op 416
 * grow #58375 137                      # op 417
 * malloc c1617-1  # 767 bytes          # op 418
 * malloc c1559  # 320 bytes            # op 419
 * free #29231                          # op 420
 * memalign 52 t+54  # 4150 bytes       # op 421
 * malloc 1018112                       # op 422
 * memalign 157 c3505  # 480 bytes      # op 423
 * realloc #11791 10841                 # op 424
 * malloc 10814                         # op 425
 * malloc 695296                        # op 426
 * malloc 753984                        # op 427
 * check                                # op 428
 * realloc #37948 t-47  # 4049 bytes    # op 429
 * check                                # op 430
 * calloc 57 x t+9  # 57 x 4105 bytes   # op 431
 * stats                                # op 432
 * alloc_many 252 c1194  # 112 bytes    # op 433
 * free #64298                          # op 434
 * shrink #52884 125                    # op 435
 * write #20480                         # op 436
 * memalign 61 c3662-1  # 175 bytes     # op 437
 * memalign 182 c3077-1  # 3071 bytes   # op 438
 * write #34663                         # op 439
 * check                                # op 440
 * stats                                # op 441
 * free #49074                          # op 442
 * malloc t-35  # 4061 bytes            # op 443
 * malloc 731456                        # op 444
 * nop                                  # op 445
 * free #21089                          # op 446
 * malloc c1790  # 496 bytes            # op 447
 * free #10433                          # op 448
 * free #63787                          # op 449
 * nop                                  # op 450
 * misuse double_free #24558            # op 451
 * malloc 8056                          # op 452
 * calloc 0 x c25  # 0 x 416 bytes      # op 453
 * free #17751                          # op 454
 * stats                                # op 455
 * write #50215                         # op 456
 * free #52735                          # op 457
 * stats                                # op 458
 * nop                                  # op 459
 * malloc t-48  # 4048 bytes            # op 460
 * nop                                  # op 461
 * write #59728                         # op 462
 * malloc t+1  # 4097 bytes             # op 463
 * grow #32765 205                      # op 464
 * malloc t-9  # 4087 bytes             # op 465
 * usable #20571                        # op 466
 * write #28179                         # op 467
 * calloc ovf+58 x 3801  # 4853129195924697 x 3801 bytes (overflow or impossible) # op 468
 * nop                                  # op 469
 * write #7732                          # op 470
 * free #26354                          # op 471
 * misuse write_after #34022            # op 472
 * stats                                # op 473
 * alloc_many 115 t+48  # 4144 bytes    # op 474
 * grow #0 1                            # op 475
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[1463] = {
    0xb7, 0x9a, 0x4c, 0xfe, 0x78, 0x71, 0x35, 0xbc, 0xa6, 0xb7, 0x30, 0x1a,
    0x68, 0x7f, 0x0e, 0x56, 0x62, 0x6a, 0x8f, 0xb5, 0x97, 0x07, 0x65, 0xf6,
    0xca, 0x63, 0x68, 0xaf, 0x9e, 0x04, 0x18, 0x1a, 0x98, 0x49, 0x57, 0x9e,
    0x4f, 0x8f, 0xdf, 0x42, 0x73, 0x47, 0x75, 0xda, 0x83, 0x5c, 0x58, 0x0b,
    0x4b, 0xf0, 0xa7, 0xce, 0xa3, 0x54, 0xbf, 0x92, 0xc8, 0xe0, 0x3c, 0x8c,
    0x41, 0xe7, 0x46, 0x15, 0x22, 0x49, 0x87, 0x8b, 0x1f, 0xc1, 0x4d, 0x08,
    0x82, 0xdf, 0x92, 0x7a, 0xfc, 0x3c, 0xea, 0xe4, 0x45, 0x43, 0x57, 0x65,
    0x95, 0xd7, 0xde, 0xfc, 0xdf, 0xa8, 0x95, 0x68, 0xa7, 0xa2, 0x04, 0x56,
    0xdf, 0x07, 0xfe, 0xb8, 0x3c, 0x42, 0x29, 0x39, 0xdb, 0x70, 0x19, 0x15,
    0x01, 0x10, 0xd9, 0x1e, 0xfd, 0x74, 0x2c, 0xf3, 0xd9, 0x01, 0x34, 0xb5,
    0x2a, 0xbd, 0xe2, 0x7e, 0x74, 0x48, 0x51, 0x1b, 0xff, 0x76, 0xbd, 0x92,
    0xf3, 0x08, 0x44, 0xc5, 0x33, 0xb4, 0x5a, 0x59, 0x0b, 0xb0, 0x03, 0x6b,
    0x8f, 0x51, 0x37, 0x0a, 0x4d, 0x20, 0x23, 0x7a, 0xf4, 0xba, 0xea, 0x90,
    0xdb, 0x63, 0x47, 0x4d, 0xfc, 0xd7, 0x33, 0x27, 0x3a, 0xee, 0xfa, 0x57,
    0xec, 0xc9, 0xd9, 0x37, 0x17, 0xd6, 0x9d, 0x96, 0xa0, 0x12, 0xa4, 0x66,
    0xcb, 0xca, 0x35, 0x15, 0x12, 0xe9, 0x52, 0xbc, 0x05, 0xd4, 0xec, 0x4b,
    0xd0, 0xd5, 0x5d, 0x6b, 0xf7, 0x8e, 0xc3, 0xbb, 0xa6, 0xa6, 0x73, 0x9d,
    0xfa, 0x4f, 0x13, 0xa6, 0x00, 0x55, 0x8d, 0x10, 0x24, 0x89, 0x08, 0xc1,
    0x49, 0x54, 0x8f, 0x19, 0xfb, 0xcd, 0xf7, 0x9b, 0xff, 0xe0, 0xf3, 0x19,
    0x97, 0x18, 0x55, 0x7c, 0x7e, 0xdd, 0x83, 0x4a, 0xf8, 0x29, 0x91, 0x9c,
    0x8e, 0x52, 0xfc, 0x9e, 0x95, 0x19, 0x52, 0x46, 0x35, 0x77, 0x5a, 0x65,
    0x26, 0x81, 0xbf, 0x8b, 0xb7, 0x40, 0xc3, 0x45, 0x02, 0x1b, 0x06, 0x6e,
    0x9f, 0xed, 0xb6, 0x67, 0xf7, 0x77, 0x40, 0xde, 0xde, 0x4e, 0x0a, 0x52,
    0x5d, 0x72, 0xad, 0x14, 0xe6, 0x8f, 0x70, 0x4e, 0x4f, 0x95, 0x45, 0xbd,
    0xd0, 0xd6, 0x72, 0xb8, 0xe0, 0x2b, 0x26, 0xd8, 0xf7, 0x3c, 0xe8, 0x93,
    0x52, 0xdd, 0x86, 0x91, 0x44, 0x0e, 0xc6, 0x8d, 0xee, 0x35, 0x64, 0x3d,
    0xd9, 0x7c, 0x63, 0xc6, 0xc6, 0x56, 0x87, 0x83, 0x16, 0x1a, 0xce, 0xf4,
    0xed, 0x91, 0xdf, 0x2d, 0x3d, 0x03, 0x13, 0xa9, 0xab, 0xbb, 0x1f, 0x7e,
    0xa6, 0x10, 0xe5, 0x23, 0x65, 0x01, 0x34, 0x7b, 0x66, 0xed, 0xd3, 0xe0,
    0x9c, 0xd4, 0x2f, 0xc7, 0xce, 0x13, 0x22, 0x58, 0x2d, 0x0f, 0xbf, 0x69,
    0x14, 0x17, 0xdd, 0xd0, 0x6b, 0x46, 0x1c, 0x7d, 0x57, 0x0e, 0x5b, 0x84,
    0xb3, 0x5f, 0xf4, 0x23, 0x04, 0x3a, 0x9b, 0x08, 0xe1, 0x31, 0x1d, 0x22,
    0xbb, 0x8e, 0x01, 0x12, 0x0e, 0x8f, 0x7b, 0x49, 0x7b, 0xc2, 0xd5, 0x39,
    0x7a, 0x4e, 0x7e, 0x1d, 0x29, 0x4e, 0x11, 0xf0, 0xe1, 0xc0, 0xfc, 0x64,
    0xb5, 0xf6, 0xb1, 0xa7, 0x9f, 0x52, 0x4c, 0xe3, 0xc3, 0x35, 0x92, 0x81,
    0x5d, 0xc4, 0xe3, 0x3e, 0x3a, 0x9c, 0xbf, 0x27, 0x26, 0x47, 0x2d, 0x99,
    0xbb, 0xdc, 0xe1, 0x05, 0xab, 0xf6, 0x13, 0xbb, 0xc4, 0xae, 0x1c, 0xb4,
    0x13, 0xee, 0xc8, 0x93, 0x15, 0x46, 0xac, 0xdc, 0x11, 0x15, 0x69, 0x58,
    0x96, 0xcd, 0xd9, 0x55, 0xaf, 0x6d, 0xa8, 0x02, 0x44, 0x34, 0x6c, 0x30,
    0xfc, 0x1b, 0xe9, 0x65, 0x7d, 0x7f, 0x8d, 0xfc, 0x59, 0x25, 0xa9, 0x07,
    0xca, 0x26, 0x2a, 0x65, 0x6c, 0xc6, 0xfd, 0x9b, 0xcb, 0xd8, 0xc3, 0xa7,
    0x5f, 0x15, 0xa0, 0x35, 0x9a, 0xfb, 0xb7, 0xe1, 0x4a, 0x4e, 0xda, 0x0c,
    0xf4, 0x0f, 0x26, 0x04, 0xd5, 0xb4, 0xff, 0x97, 0x2e, 0xd3, 0x68, 0x2a,
    0x99, 0x2c, 0xc1, 0xd3, 0xe8, 0xeb, 0x33, 0x6d, 0x37, 0xe6, 0xdd, 0xbe,
    0x56, 0xd7, 0x22, 0x34, 0xbb, 0x2b, 0x4a, 0x30, 0x28, 0x71, 0xb6, 0x5c,
    0x26, 0xab, 0xf4, 0xec, 0xb6, 0xab, 0x66, 0xbe, 0xf3, 0x58, 0xfe, 0x19,
    0xe8, 0x64, 0xcb, 0x78, 0xd4, 0xd4, 0x62, 0x90, 0x35, 0x3d, 0x55, 0xb4,
    0x15, 0xc0, 0xe7, 0xcd, 0xb8, 0x0f, 0x9d, 0x6b, 0x07, 0x56, 0x04, 0x68,
    0x47, 0x60, 0x5b, 0x9a, 0x56, 0x38, 0x76, 0xd5, 0xb3, 0x4c, 0x8c, 0x28,
    0x3a, 0x1c, 0xbc, 0x23, 0xb7, 0x05, 0xc5, 0x3c, 0xf3, 0xf3, 0xb5, 0x69,
    0x9c, 0x02, 0x91, 0xa9, 0x47, 0x15, 0x36, 0xd1, 0xd4, 0xba, 0x59, 0xc2,
    0x93, 0xf0, 0xd2, 0x79, 0xfb, 0xa4, 0x4e, 0x65, 0x92, 0x25, 0x3d, 0x3d,
    0xa1, 0xc2, 0xed, 0x76, 0xbc, 0x0a, 0x25, 0x08, 0xc4, 0x36, 0x39, 0x2b,
    0xc7, 0x7a, 0x1c, 0x9f, 0xc8, 0x8d, 0x37, 0x0a, 0xd5, 0x09, 0x08, 0x3e,
    0x55, 0xee, 0x35, 0x4a, 0x53, 0x5f, 0xd9, 0x73, 0x36, 0x43, 0xf3, 0xd4,
    0x61, 0x0e, 0xa9, 0x29, 0x96, 0xbd, 0xdb, 0xad, 0xa1, 0xc0, 0x12, 0x69,
    0x01, 0x29, 0x9e, 0x72, 0x52, 0x04, 0x92, 0x5d, 0xea, 0x7d, 0x6c, 0xba,
    0x22, 0x99, 0xee, 0x2c, 0xe3, 0xec, 0x8b, 0x21, 0x01, 0xa9, 0xe2, 0x15,
    0x8e, 0x1a, 0xb2, 0x02, 0x61, 0x1b, 0xe5, 0xc2, 0xd7, 0x34, 0x20, 0xcf,
    0xce, 0xda, 0xf3, 0xb9, 0xcd, 0xd9, 0xe3, 0xdd, 0xc4, 0xa9, 0x0c, 0x9e,
    0xd7, 0xcc, 0x70, 0xef, 0xe2, 0xa5, 0xbf, 0xbf, 0x7b, 0x67, 0xf0, 0xb2,
    0xb8, 0x94, 0x48, 0x0f, 0xec, 0x56, 0xb8, 0x20, 0x29, 0x5a, 0xf2, 0x35,
    0x25, 0xd9, 0x71, 0xc7, 0x79, 0x01, 0x0a, 0x8b, 0xa0, 0x0d, 0x3e, 0x3b,
    0xa8, 0x22, 0x5c, 0xc3, 0xed, 0xdc, 0x49, 0x17, 0xd9, 0xd4, 0xfa, 0xe0,
    0x98, 0x98, 0x3a, 0xf8, 0x9b, 0x0c, 0xad, 0x99, 0x19, 0xee, 0xa0, 0xc3,
    0x9c, 0x31, 0x34, 0x7f, 0xca, 0x15, 0x7f, 0x84, 0xa0, 0xc8, 0x61, 0x3e,
    0x3c, 0x2a, 0x4f, 0xa5, 0x24, 0xc8, 0x51, 0x2e, 0xea, 0x8a, 0xc8, 0x11,
    0x8f, 0xa1, 0x0c, 0x00, 0x47, 0x24, 0x66, 0x47, 0x20, 0x12, 0x8a, 0x1b,
    0x87, 0x74, 0x2a, 0xd4, 0x9c, 0xbc, 0x7e, 0x5d, 0x56, 0xc0, 0xf1, 0x0a,
    0x4c, 0x69, 0x76, 0x6e, 0xb5, 0xbe, 0x77, 0x66, 0xbb, 0x04, 0x90, 0x05,
    0x94, 0x24, 0x7f, 0xfe, 0x3c, 0x49, 0x25, 0xcd, 0xb7, 0x52, 0x3b, 0x97,
    0x14, 0x38, 0x00, 0x78, 0x7d, 0x01, 0xb6, 0x9b, 0x47, 0xde, 0x71, 0x4e,
    0x84, 0x20, 0x99, 0x1a, 0x22, 0x8f, 0xa7, 0xd6, 0x78, 0xec, 0x7a, 0xf3,
    0xfc, 0x14, 0x95, 0xd3, 0x93, 0xf2, 0xdb, 0xd3, 0x38, 0x79, 0x09, 0x6c,
    0x89, 0xd2, 0x9b, 0xb1, 0xa9, 0xee, 0xd7, 0x7d, 0x9d, 0x3e, 0xad, 0xae,
    0xe4, 0xa7, 0x57, 0x9c, 0xf6, 0x5c, 0x14, 0xfb, 0x15, 0x82, 0x4e, 0xf1,
    0xa1, 0xfa, 0x06, 0x64, 0xe4, 0x61, 0xcb, 0x5f, 0x8a, 0x5a, 0x9c, 0xed,
    0x85, 0x06, 0x2c, 0x4e, 0x39, 0x8e, 0xa2, 0x47, 0xd3, 0x98, 0x35, 0x6f,
    0xb5, 0x1e, 0x0d, 0xf6, 0x03, 0x9d, 0x55, 0xa7, 0xc8, 0xfd, 0x29, 0x59,
    0x62, 0x6a, 0x6b, 0x7d, 0xad, 0x31, 0x31, 0x17, 0x34, 0x0b, 0xdc, 0xa7,
    0x9c, 0xb0, 0xec, 0xc6, 0xf1, 0x29, 0xa9, 0x5e, 0x11, 0xa9, 0x49, 0x92,
    0xff, 0xf7, 0x0c, 0x77, 0x52, 0x11, 0x58, 0x47, 0x5e, 0x5d, 0xe0, 0x01,
    0xfc, 0x45, 0xe0, 0x19, 0x7e, 0xc4, 0x95, 0x16, 0xf6, 0xf4, 0xb6, 0x54,
    0xad, 0xa9, 0x51, 0x56, 0xcf, 0x6d, 0xa2, 0x43, 0xce, 0xd6, 0x68, 0x40,
    0x4b, 0x5e, 0x47, 0xf7, 0x56, 0x78, 0xe3, 0xd7, 0x0d, 0x3e, 0x64, 0x2b,
    0x8a, 0xa4, 0x86, 0x9e, 0xb6, 0x1f, 0xbc, 0xea, 0xe4, 0xb0, 0x77, 0xb6,
    0xc7, 0x28, 0x81, 0xfc, 0x1d, 0x94, 0x89, 0xec, 0xd3, 0x67, 0xbf, 0xf0,
    0x2b, 0xa3, 0x36, 0x3c, 0x90, 0x59, 0xac, 0xa8, 0xc1, 0x54, 0x09, 0x75,
    0x08, 0x9f, 0xe5, 0x80, 0xbe, 0x67, 0x70, 0xbe, 0x16, 0x74, 0x1a, 0xa9,
    0x1e, 0xcf, 0xa6, 0x7a, 0xd8, 0x52, 0xa1, 0x9e, 0xcc, 0xc9, 0xb1, 0x99,
    0x2e, 0xb3, 0x62, 0x3a, 0xe1, 0x86, 0xd4, 0x25, 0x63, 0xd7, 0xec, 0x06,
    0x97, 0xf5, 0x82, 0x84, 0x3f, 0xac, 0x7b, 0x45, 0x02, 0x40, 0x13, 0xa5,
    0xce, 0xe3, 0xb6, 0x7e, 0x59, 0xff, 0xff, 0x63, 0x1a, 0xf6, 0x71, 0xe1,
    0xfe, 0x28, 0x41, 0x69, 0xb2, 0x94, 0xc9, 0xdb, 0x66, 0x5d, 0x4f, 0x80,
    0xbf, 0x7c, 0x61, 0x38, 0xe4, 0x13, 0xe7, 0x31, 0x3c, 0x20, 0xbf, 0xb6,
    0x2b, 0x9f, 0x23, 0x5a, 0xf8, 0x6b, 0xd2, 0x25, 0xff, 0x28, 0xcd, 0xe7,
    0xea, 0x38, 0x23, 0x71, 0x6d, 0xb2, 0x52, 0x8b, 0xa8, 0x55, 0xb8, 0xd2,
    0x28, 0xfb, 0xfb, 0xdf, 0x42, 0x85, 0x5a, 0x88, 0x35, 0xb9, 0x88, 0xfc,
    0x04, 0x29, 0x12, 0xe6, 0x5d, 0x5b, 0x71, 0x18, 0xe3, 0xdc, 0x25, 0xf3,
    0x3f, 0x0a, 0xe8, 0x23, 0x7f, 0x40, 0xcd, 0x3f, 0x83, 0xa3, 0xcf, 0x76,
    0x69, 0x67, 0x02, 0x08, 0x7b, 0x25, 0x76, 0x44, 0x31, 0x42, 0xf5, 0x40,
    0x9b, 0x68, 0x54, 0xc1, 0xce, 0x2b, 0x81, 0xc4, 0x41, 0x85, 0xec, 0x73,
    0xaf, 0xf3, 0x5c, 0x22, 0x84, 0x4c, 0x8d, 0x8c, 0x70, 0xd9, 0xb8, 0x8f,
    0x72, 0x7f, 0x93, 0x39, 0xd2, 0x2c, 0xd0, 0x45, 0xbd, 0x07, 0x0a, 0x69,
    0xa1, 0xc2, 0xfa, 0x8f, 0x5f, 0xe7, 0xf8, 0x79, 0x1a, 0xec, 0xe9, 0x7e,
    0xd6, 0xe5, 0x8b, 0x0e, 0xfb, 0x98, 0x51, 0x5b, 0x82, 0x8e, 0x85, 0x2c,
    0x10, 0xba, 0x6e, 0x63, 0x01, 0xdb, 0x7b, 0x9e, 0xf5, 0x9c, 0x47, 0xac,
    0xaf, 0xb2, 0x38, 0xd4, 0xaa, 0x40, 0xd3, 0x12, 0x8c, 0x01, 0x35, 0xb8,
    0xc9, 0x07, 0xe4, 0x88, 0x01, 0x19, 0x44, 0xa3, 0x18, 0x5f, 0xbb, 0x2f,
    0x72, 0x30, 0x34, 0x47, 0x84, 0x43, 0xfe, 0x24, 0x10, 0x9d, 0x36, 0xc5,
    0x66, 0x0f, 0x2e, 0xaa, 0x59, 0x03, 0xaa, 0x3e, 0x02, 0xea, 0x70, 0x42,
    0xee, 0x05, 0x75, 0xe7, 0x3c, 0x94, 0x41, 0x94, 0xf4, 0xc5, 0x79, 0x40,
    0x49, 0x38, 0xd6, 0xfb, 0x12, 0xa9, 0xae, 0x2a, 0xfb, 0xea, 0x94, 0xce,
    0x7c, 0x12, 0x00, 0x50, 0x0f, 0x3d, 0x39, 0x38, 0xd0, 0xb6, 0x30, 0x14,
    0xb2, 0x67, 0x87, 0x75, 0x58, 0xfb, 0xb2, 0xbf, 0x61, 0x6e, 0xfa, 0xe1,
    0xec, 0xa5, 0xbe, 0x0b, 0x61, 0x52, 0x21, 0x1b, 0xf9, 0x6b, 0xc1, 0x28,
    0x7b, 0x2b, 0xf9, 0x1c, 0x7d, 0xee, 0x5f, 0x14, 0x03, 0x9f, 0x78, 0xc4,
    0x40, 0x00, 0x67, 0xeb, 0x57, 0x45, 0x98, 0xd3, 0x27, 0xc4, 0x4c, 0xff,
    0xcd, 0x18, 0xbe, 0x5a, 0x70, 0x70, 0x5f, 0xb2, 0x50, 0xe9, 0xe0, 0x5c,
    0x79, 0xa9, 0xfd, 0x7f, 0xcc, 0xe3, 0x51, 0xda, 0xd1, 0x5b, 0x50, 0x52,
    0x13, 0x6e, 0x64, 0xfa, 0x8e, 0xd9, 0xdc, 0xf2, 0x34, 0x1e, 0x4b, 0xf2,
    0x66, 0xdd, 0xe6, 0x84, 0x20, 0x39, 0x16, 0x72, 0x52, 0x13, 0xa9,
};

int main(void) {
    return pa_reproducer_run("misuse", input, 1463);
}
