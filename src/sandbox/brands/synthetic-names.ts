/** Word lists for the synthetic Brands bundle: realistic enough that search is exercised the way patients type. */
// prettier-ignore
export const CITIES: Array<[string, string]> = [
  ['Atlanta', 'GA'], ['Savannah', 'GA'], ['Augusta', 'GA'], ['Macon', 'GA'], ['Denver', 'CO'], ['Aurora', 'CO'],
  ['Colorado Springs', 'CO'], ['Boulder', 'CO'], ['Fort Collins', 'CO'], ['Chicago', 'IL'], ['Springfield', 'IL'],
  ['Peoria', 'IL'], ['Naperville', 'IL'], ['Madison', 'WI'], ['Milwaukee', 'WI'], ['Green Bay', 'WI'],
  ['Minneapolis', 'MN'], ['Saint Paul', 'MN'], ['Rochester', 'MN'], ['Duluth', 'MN'], ['Des Moines', 'IA'],
  ['Iowa City', 'IA'], ['Ames', 'IA'], ['Omaha', 'NE'], ['Lincoln', 'NE'], ['Kansas City', 'MO'],
  ['St. Louis', 'MO'], ['Columbia', 'MO'], ['Dallas', 'TX'], ['Houston', 'TX'], ['Austin', 'TX'],
  ['San Antonio', 'TX'], ['El Paso', 'TX'], ['Fort Worth', 'TX'], ['Plano', 'TX'], ['Lubbock', 'TX'],
  ['Phoenix', 'AZ'], ['Tucson', 'AZ'], ['Mesa', 'AZ'], ['Yuma', 'AZ'], ['Los Angeles', 'CA'], ['San Diego', 'CA'],
  ['San Francisco', 'CA'], ['Oakland', 'CA'], ['Sacramento', 'CA'], ['Fresno', 'CA'], ['San Jose', 'CA'],
  ['Irvine', 'CA'], ['Pasadena', 'CA'], ['Santa Barbara', 'CA'], ['Portland', 'OR'], ['Eugene', 'OR'],
  ['Salem', 'OR'], ['Bend', 'OR'], ['Seattle', 'WA'], ['Tacoma', 'WA'], ['Spokane', 'WA'], ['Everett', 'WA'],
  ['Yakima', 'WA'], ['Boise', 'ID'], ['Salt Lake City', 'UT'], ['Provo', 'UT'], ['Ogden', 'UT'], ['Las Vegas', 'NV'],
  ['Reno', 'NV'], ['Albuquerque', 'NM'], ['Santa Fe', 'NM'], ['Billings', 'MT'], ['Missoula', 'MT'],
  ['Cheyenne', 'WY'], ['Fargo', 'ND'], ['Sioux Falls', 'SD'], ['Oklahoma City', 'OK'], ['Tulsa', 'OK'],
  ['Little Rock', 'AR'], ['Memphis', 'TN'], ['Nashville', 'TN'], ['Knoxville', 'TN'], ['Chattanooga', 'TN'],
  ['Louisville', 'KY'], ['Lexington', 'KY'], ['Owensboro', 'KY'], ['Cincinnati', 'OH'], ['Cleveland', 'OH'],
  ['Columbus', 'OH'], ['Dayton', 'OH'], ['Akron', 'OH'], ['Toledo', 'OH'], ['Detroit', 'MI'], ['Ann Arbor', 'MI'],
  ['Grand Rapids', 'MI'], ['Kalamazoo', 'MI'], ['Lansing', 'MI'], ['Indianapolis', 'IN'], ['Fort Wayne', 'IN'],
  ['South Bend', 'IN'], ['Pittsburgh', 'PA'], ['Philadelphia', 'PA'], ['Harrisburg', 'PA'], ['Allentown', 'PA'],
  ['Danville', 'PA'], ['Scranton', 'PA'], ['New York', 'NY'], ['Buffalo', 'NY'], ['Albany', 'NY'],
  ['Syracuse', 'NY'], ['Brooklyn', 'NY'], ['Newark', 'NJ'], ['Trenton', 'NJ'], ['Hackensack', 'NJ'],
  ['Boston', 'MA'], ['Worcester', 'MA'], ['Cambridge', 'MA'], ['Providence', 'RI'], ['Hartford', 'CT'],
  ['New Haven', 'CT'], ['Burlington', 'VT'], ['Portland', 'ME'], ['Manchester', 'NH'], ['Baltimore', 'MD'],
  ['Bethesda', 'MD'], ['Washington', 'DC'], ['Richmond', 'VA'], ['Norfolk', 'VA'], ['Roanoke', 'VA'],
  ['Charlottesville', 'VA'], ['Charlotte', 'NC'], ['Raleigh', 'NC'], ['Durham', 'NC'], ['Greensboro', 'NC'],
  ['Wilmington', 'NC'], ['Charleston', 'SC'], ['Columbia', 'SC'], ['Greenville', 'SC'], ['Jacksonville', 'FL'],
  ['Miami', 'FL'], ['Tampa', 'FL'], ['Orlando', 'FL'], ['Gainesville', 'FL'], ['Tallahassee', 'FL'],
  ['Fort Myers', 'FL'], ['Birmingham', 'AL'], ['Mobile', 'AL'], ['Huntsville', 'AL'], ['Jackson', 'MS'],
  ['Hattiesburg', 'MS'], ['New Orleans', 'LA'], ['Baton Rouge', 'LA'], ['Shreveport', 'LA'], ['Honolulu', 'HI'],
  ['Anchorage', 'AK'], ['Charleston', 'WV'], ['Morgantown', 'WV'], ['Wichita', 'KS'], ['Topeka', 'KS'],
];

// prettier-ignore
export const BRAND_CORES = [
  'Riverside', 'Lakeview', 'Summit', 'Valley', 'Mercy', 'Providence', 'Trinity', 'Baptist', 'Methodist',
  'Presbyterian', 'Lutheran', 'Adventist', 'St. Mary', "St. Joseph's", 'St. Luke', 'Good Samaritan', 'Sacred Heart',
  'Northwest', 'Southeast', 'Heartland', 'Prairie', 'Bayside', 'Highland', 'Pinecrest', 'Cedar', 'Oakwood',
  'Willow Creek', 'Evergreen', 'Silver Lake', 'Granite', 'Harbor', 'Meadowbrook', 'Clearwater', 'Blue Ridge',
  'Sunrise', 'Horizon', 'Frontier', 'Pioneer', 'Unity', 'Covenant', 'Beacon', 'Crestview', 'Fairview', 'Hillcrest',
  'Brookside', 'Maplewood', 'Stonebridge', 'Westfield', 'Eastgate', 'Northshore',
];

// prettier-ignore
export const BRAND_SUFFIXES = [
  'Health', 'Health System', 'Healthcare', 'Medical Center', 'Medical Group', 'Clinic', 'Health Partners',
  'Regional Health', 'Physicians', 'Hospital', "Children's Hospital", 'University Health', 'Health Network',
];

// prettier-ignore
export const FACILITY_TYPES = [
  'Family Medicine', 'Internal Medicine', 'Pediatrics', 'Cardiology', 'Orthopedics', 'Urgent Care', 'Imaging Center',
  'Laboratory', 'Cancer Center', 'Womens Health', 'Dermatology', 'Neurology', 'Behavioral Health', 'Surgery Center',
  'Physical Therapy', 'Sleep Center', 'Endocrinology', 'Gastroenterology', 'Pulmonology', 'Rheumatology',
  'Ophthalmology', 'Audiology', 'Podiatry', 'Nephrology', 'Oncology Infusion', 'Wound Care', 'Dialysis Center',
  'Pharmacy', 'Vascular Surgery', 'Sports Medicine', 'Allergy and Immunology', 'Medical Offices', 'Primary Care',
];

// prettier-ignore
export const SURNAMES = [
  'Anderson', 'Brooks', 'Carter', 'Delgado', 'Ellison', 'Fischer', 'Garcia', 'Hughes', 'Ibarra', 'Jensen',
  'Kowalski', 'Larson', 'Morales', 'Nguyen', 'Okafor', 'Patel', 'Quinn', 'Ramirez', 'Schmidt', 'Thompson',
  'Underwood', 'Vasquez', 'Whitfield', 'Xiong', 'Yamamoto', 'Zimmerman', 'Bennett', 'Chandler', 'Donovan',
  'Fitzgerald', 'Hawthorne', 'Lindqvist', 'Mbeki', 'Novak', 'Oyelaran', 'Petrov', 'Sorensen', 'Tanaka', 'Villanueva',
  'Wojcik',
];

// prettier-ignore
export const STREETS = [
  'Main St', 'Oak Ave', 'Medical Pkwy', 'Hospital Dr', 'Elm St', 'Park Blvd', 'Lake Rd',
];

/** Brands patients search for by name in tests and demos, always generated first. */
export const FAMOUS_BRANDS = [
  {
    name: 'Kaiser Permanente – Georgia',
    city: 'Atlanta',
    state: 'GA',
    website: 'https://healthy.kaiserpermanente.org',
    aliases: ['KP Georgia'],
  },
  {
    name: "Children's Hospital Colorado",
    city: 'Aurora',
    state: 'CO',
    website: 'https://www.childrenscolorado.org',
    aliases: ["Children's Colorado"],
  },
  { name: 'Geisinger', city: 'Danville', state: 'PA', website: 'https://www.geisinger.org', aliases: [] },
  {
    name: 'UW Medicine (Washington)',
    city: 'Seattle',
    state: 'WA',
    website: 'https://www.uwmedicine.org',
    aliases: ['University of Washington Medicine'],
  },
  { name: 'Mayo Clinic', city: 'Rochester', state: 'MN', website: 'https://www.mayoclinic.org', aliases: [] },
];
