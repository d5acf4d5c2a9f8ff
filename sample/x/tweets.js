window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1567168342128472065"
          ],
          "editableUntil" : "2022-09-06T15:40:24.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Kharkiv",
            "indices" : [
              "146",
              "154"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567168342128472065/photo/1",
            "indices" : [
              "155",
              "187"
            ],
            "url" : "https://example.org/t/SampleAbc1",
            "media_url" : "http://example.org/frontlens-sample/photos/verbivka-flag.jpg",
            "id_str" : "1567168342128472066",
            "id" : "1567168342128472066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/verbivka-flag.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc1"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "154"
      ],
      "favorite_count" : "11",
      "id_str" : "1567168342128472065",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "1567168342128472065",
      "possibly_sensitive" : false,
      "created_at" : "Tue Sep 06 15:10:24 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Footage geolocated to Verbivka, SW of Balakliia (approx. 49.43, 36.83): Ukrainian soldiers removing a Russian flag from a checkpoint. #Kharkiv https://example.org/t/SampleAbc1",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567168342128472065/photo/1",
            "indices" : [
              "155",
              "187"
            ],
            "url" : "https://example.org/t/SampleAbc1",
            "media_url" : "http://example.org/frontlens-sample/photos/verbivka-flag.jpg",
            "id_str" : "1567168342128472066",
            "id" : "1567168342128472066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/verbivka-flag.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc1"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1567492893177688065"
          ],
          "editableUntil" : "2022-09-07T13:10:03.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567492893177688065/photo/1",
            "indices" : [
              "109",
              "141"
            ],
            "url" : "https://example.org/t/SampleAbc2",
            "media_url" : "http://example.org/frontlens-sample/photos/verbivka-mtlb.jpg",
            "id_str" : "1567492893177688066",
            "id" : "1567492893177688066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/verbivka-mtlb.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc2"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "108"
      ],
      "favorite_count" : "7",
      "id_str" : "1567492893177688065",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1567492893177688065",
      "possibly_sensitive" : false,
      "created_at" : "Wed Sep 07 12:40:03 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Russian MT-LB destroyed on the road near Verbivka, Kharkiv Oblast. Burnt out, crew fate unknown. https://example.org/t/SampleAbc2",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567492893177688065/photo/1",
            "indices" : [
              "109",
              "141"
            ],
            "url" : "https://example.org/t/SampleAbc2",
            "media_url" : "http://example.org/frontlens-sample/photos/verbivka-mtlb.jpg",
            "id_str" : "1567492893177688066",
            "id" : "1567492893177688066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/verbivka-mtlb.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc2"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1567807667304280065"
          ],
          "editableUntil" : "2022-09-08T10:00:51.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567807667304280065/photo/1",
            "indices" : [
              "149",
              "175"
            ],
            "url" : "https://example.org/t/SampleAbc3",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-t72b3.jpg",
            "id_str" : "1567807667304280066",
            "id" : "1567807667304280066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-t72b3.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc3"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "148"
      ],
      "favorite_count" : "25",
      "id_str" : "1567807667304280065",
      "truncated" : false,
      "retweet_count" : "9",
      "id" : "1567807667304280065",
      "possibly_sensitive" : false,
      "created_at" : "Thu Sep 08 09:30:51 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Captured: T-72B3, apparently intact with a full ammo load, northern outskirts of Balakliia. Fresh Ukrainian markings already painted on. pic.twitter.com/SampleAbc3",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567807667304280065/photo/1",
            "indices" : [
              "149",
              "175"
            ],
            "url" : "https://example.org/t/SampleAbc3",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-t72b3.jpg",
            "id_str" : "1567807667304280066",
            "id" : "1567807667304280066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-t72b3.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc3"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1567864244270936065"
          ],
          "editableUntil" : "2022-09-08T13:45:40.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Balakliia",
            "indices" : [
              "99",
              "109"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567864244270936065/photo/1",
            "indices" : [
              "110",
              "142"
            ],
            "url" : "https://example.org/t/SampleAbc4",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-bmp2.jpg",
            "id_str" : "1567864244270936066",
            "id" : "1567864244270936066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-bmp2.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc4"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "109"
      ],
      "favorite_count" : "14",
      "id_str" : "1567864244270936065",
      "truncated" : false,
      "retweet_count" : "3",
      "id" : "1567864244270936065",
      "possibly_sensitive" : false,
      "created_at" : "Thu Sep 08 13:15:40 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Destroyed BMP-2 next to the Balakliia railway station. Turret separated from the hull. #Balakliia https://example.org/t/SampleAbc4",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567864244270936065/photo/1",
            "indices" : [
              "110",
              "142"
            ],
            "url" : "https://example.org/t/SampleAbc4",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-bmp2.jpg",
            "id_str" : "1567864244270936066",
            "id" : "1567864244270936066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-bmp2.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc4"
          },
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1567864244270936065/photo/2",
            "indices" : [
              "110",
              "142"
            ],
            "url" : "https://example.org/t/SampleAbc4",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-bmp2-2.jpg",
            "id_str" : "1567864244270936067",
            "id" : "1567864244270936067",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-bmp2-2.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc4"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1568268537427800065"
          ],
          "editableUntil" : "2022-09-09T16:32:11.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568268537427800065/photo/1",
            "indices" : [
              "131",
              "163"
            ],
            "url" : "https://example.org/t/SampleAbc5",
            "media_url" : "http://example.org/frontlens-sample/photos/kupiansk-t80bv.jpg",
            "id_str" : "1568268537427800066",
            "id" : "1568268537427800066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/kupiansk-t80bv.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc5"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "130"
      ],
      "favorite_count" : "31",
      "id_str" : "1568268537427800065",
      "truncated" : false,
      "retweet_count" : "12",
      "id" : "1568268537427800065",
      "possibly_sensitive" : false,
      "created_at" : "Fri Sep 09 16:02:11 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Two T-80BV captured by Ukrainian forces on the western approaches to Kupiansk. Both appear to be in running condition. https://example.org/t/SampleAbc5",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568268537427800065/photo/1",
            "indices" : [
              "131",
              "163"
            ],
            "url" : "https://example.org/t/SampleAbc5",
            "media_url" : "http://example.org/frontlens-sample/photos/kupiansk-t80bv.jpg",
            "id_str" : "1568268537427800066",
            "id" : "1568268537427800066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/kupiansk-t80bv.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc5"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1568544849786712065"
          ],
          "editableUntil" : "2022-09-10T10:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568544849786712065/photo/1",
            "indices" : [
              "193",
              "219"
            ],
            "url" : "https://example.org/t/SampleAbc6",
            "media_url" : "http://example.org/frontlens-sample/photos/kupiansk-flag.jpg",
            "id_str" : "1568544849786712066",
            "id" : "1568544849786712066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/kupiansk-flag.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc6"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "192"
      ],
      "favorite_count" : "58",
      "id_str" : "1568544849786712065",
      "truncated" : false,
      "retweet_count" : "20",
      "id" : "1568544849786712065",
      "possibly_sensitive" : false,
      "created_at" : "Sat Sep 10 10:20:09 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Ukrainian flag raised in central Kupiansk in front of the city council building. Geolocated approx. 49.7107, 37.6148. Russian troops have withdrawn from the west bank of the Oskil. pic.twitter.com/SampleAbc6",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568544849786712065/photo/1",
            "indices" : [
              "193",
              "219"
            ],
            "url" : "https://example.org/t/SampleAbc6",
            "media_url" : "http://example.org/frontlens-sample/photos/kupiansk-flag.jpg",
            "id_str" : "1568544849786712066",
            "id" : "1568544849786712066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/kupiansk-flag.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc6"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1568687149938520065"
          ],
          "editableUntil" : "2022-09-10T20:15:36.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568687149938520065/photo/1",
            "indices" : [
              "103",
              "135"
            ],
            "url" : "https://example.org/t/SampleAbc7",
            "media_url" : "http://example.org/frontlens-sample/photos/izium-tunguska.jpg",
            "id_str" : "1568687149938520066",
            "id" : "1568687149938520066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/izium-tunguska.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc7"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "102"
      ],
      "favorite_count" : "40",
      "id_str" : "1568687149938520065",
      "truncated" : false,
      "retweet_count" : "15",
      "id" : "1568687149938520065",
      "possibly_sensitive" : false,
      "created_at" : "Sat Sep 10 19:45:36 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] 2S6M Tunguska abandoned on the Izium–Kupiansk road. Looks undamaged, possibly out of fuel. https://example.org/t/SampleAbc7",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568687149938520065/photo/1",
            "indices" : [
              "103",
              "135"
            ],
            "url" : "https://example.org/t/SampleAbc7",
            "media_url" : "http://example.org/frontlens-sample/photos/izium-tunguska.jpg",
            "id_str" : "1568687149938520066",
            "id" : "1568687149938520066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/izium-tunguska.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc7"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1568873297344344065"
          ],
          "editableUntil" : "2022-09-11T08:35:17.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568873297344344065/photo/1",
            "indices" : [
              "92",
              "118"
            ],
            "url" : "https://example.org/t/SampleAbc8",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-shilka-1.jpg",
            "id_str" : "1568873297344344066",
            "id" : "1568873297344344066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-shilka-1.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc8"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "91"
      ],
      "favorite_count" : "19",
      "id_str" : "1568873297344344065",
      "truncated" : false,
      "retweet_count" : "6",
      "id" : "1568873297344344065",
      "possibly_sensitive" : false,
      "created_at" : "Sun Sep 11 08:05:17 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] ZSU-23-4 Shilka damaged by shrapnel, parked in a yard in Balakliia. Two angles. pic.twitter.com/SampleAbc8",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568873297344344065/photo/1",
            "indices" : [
              "92",
              "118"
            ],
            "url" : "https://example.org/t/SampleAbc8",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-shilka-1.jpg",
            "id_str" : "1568873297344344066",
            "id" : "1568873297344344066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-shilka-1.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc8"
          },
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568873297344344065/photo/2",
            "indices" : [
              "92",
              "118"
            ],
            "url" : "https://example.org/t/SampleAbc8",
            "media_url" : "http://example.org/frontlens-sample/photos/balakliia-shilka-2.jpg",
            "id_str" : "1568873297344344067",
            "id" : "1568873297344344067",
            "media_url_https" : "https://example.org/frontlens-sample/photos/balakliia-shilka-2.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc8"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1568970357733208065"
          ],
          "editableUntil" : "2022-09-11T15:00:58.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Харківщина",
            "indices" : [
              "77",
              "88"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568970357733208065/photo/1",
            "indices" : [
              "89",
              "121"
            ],
            "url" : "https://example.org/t/SampleAbc9",
            "media_url" : "http://example.org/frontlens-sample/photos/shevchenkove-mtlb.jpg",
            "id_str" : "1568970357733208066",
            "id" : "1568970357733208066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/shevchenkove-mtlb.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc9"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "88"
      ],
      "favorite_count" : "8",
      "id_str" : "1568970357733208065",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1568970357733208065",
      "possibly_sensitive" : false,
      "created_at" : "Sun Sep 11 14:30:58 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Захоплена МТ-ЛБ з боєприпасами поблизу Шевченкового, Харківщина. #Харківщина https://example.org/t/SampleAbc9",
      "lang" : "uk",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1568970357733208065/photo/1",
            "indices" : [
              "89",
              "121"
            ],
            "url" : "https://example.org/t/SampleAbc9",
            "media_url" : "http://example.org/frontlens-sample/photos/shevchenkove-mtlb.jpg",
            "id_str" : "1568970357733208066",
            "id" : "1568970357733208066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/shevchenkove-mtlb.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc9"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1569231847421784065"
          ],
          "editableUntil" : "2022-09-12T08:20:02.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "frontlens sample",
            "screen_name" : "frontlens_sample",
            "indices" : [
              "142",
              "159"
            ],
            "id_str" : "1500000000000000001",
            "id" : "1500000000000000001"
          }
        ],
        "urls" : [
          {
            "url" : "https://example.org/t/Lc10",
            "expanded_url" : "https://example.org/frontlens-sample/articles/2022-09-14-equipment-tally",
            "display_url" : "example.org/frontlens-samp…",
            "indices" : [
              "160",
              "186"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "186"
      ],
      "favorite_count" : "5",
      "id_str" : "1569231847421784065",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1569231847421784065",
      "possibly_sensitive" : false,
      "created_at" : "Mon Sep 12 07:50:02 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Claimed Ka-52 shootdown near Izium on Sep 10, per Ukraine's air force. No wreckage imagery verified yet, treat as unconfirmed. cc @frontlens_sample https://example.org/t/Lc10",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1569644747290456065"
          ],
          "editableUntil" : "2022-09-13T11:40:45.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1569644747290456065/photo/1",
            "indices" : [
              "106",
              "139"
            ],
            "url" : "https://example.org/t/SampleAbc11",
            "media_url" : "http://example.org/frontlens-sample/photos/kupiansk-t80bv-bmp2.jpg",
            "id_str" : "1569644747290456066",
            "id" : "1569644747290456066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/kupiansk-t80bv-bmp2.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc11"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "105"
      ],
      "favorite_count" : "9",
      "id_str" : "1569644747290456065",
      "truncated" : false,
      "retweet_count" : "3",
      "id" : "1569644747290456065",
      "possibly_sensitive" : false,
      "created_at" : "Tue Sep 13 11:10:45 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Брошенные Т-80БВ и БМП-2 у Купянска, по данным украинских военных. Место съёмки подтверждено. https://example.org/t/SampleAbc11",
      "lang" : "ru",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://example.org/frontlens-sample/x/frontlens_sample_osint/status/1569644747290456065/photo/1",
            "indices" : [
              "106",
              "139"
            ],
            "url" : "https://example.org/t/SampleAbc11",
            "media_url" : "http://example.org/frontlens-sample/photos/kupiansk-t80bv-bmp2.jpg",
            "id_str" : "1569644747290456066",
            "id" : "1569644747290456066",
            "media_url_https" : "https://example.org/frontlens-sample/photos/kupiansk-t80bv-bmp2.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "small" : {
                "w" : "680",
                "h" : "510",
                "resize" : "fit"
              },
              "medium" : {
                "w" : "1200",
                "h" : "900",
                "resize" : "fit"
              },
              "large" : {
                "w" : "1600",
                "h" : "1200",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/SampleAbc11"
          }
        ]
      }
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1569974230841176065"
          ],
          "editableUntil" : "2022-09-14T09:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://example.org/frontlens-sample/client\" rel=\"nofollow\">frontlens sample client</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://example.org/t/Lc12",
            "expanded_url" : "https://example.org/frontlens-sample/articles/2022-09-14-equipment-tally",
            "display_url" : "example.org/frontlens-samp…",
            "indices" : [
              "221",
              "247"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "247"
      ],
      "favorite_count" : "97",
      "id_str" : "1569974230841176065",
      "truncated" : false,
      "retweet_count" : "33",
      "id" : "1569974230841176065",
      "possibly_sensitive" : false,
      "created_at" : "Wed Sep 14 09:00:00 +0000 2022",
      "favorited" : false,
      "full_text" : "[SYNTHETIC] Tally for Sep 6–13, Kharkiv axis (sample data): 2x T-80BV captured, 1x T-72B3 captured, 1x BMP-2 destroyed, 1x 2S6M Tunguska abandoned, 1x ZSU-23-4 Shilka damaged, 3x MT-LB (2 destroyed, 1 captured). Details: https://example.org/t/Lc12",
      "lang" : "en"
    }
  }
]
